import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyValue } from '../../src/gen/mvccpb/kv';
import { encodeKeyValue } from '../../src/mvcc/keyvalue-record';
import { decodeRevision, revisionLength, writeRevision } from '../../src/mvcc/revision';

const INT64_EDGES = [0n, 1n, 127n, 128n, 16_383n, 16_384n, 2n ** 31n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -(2n ** 63n)];

function expectSameBytes(kv: KeyValue): void {
  assert.deepEqual(encodeKeyValue(kv), Buffer.from(KeyValue.encode(kv).finish()), JSON.stringify(kv, (_, v) => (typeof v === 'bigint' ? `${v}` : v)));
}

test('KeyValue records are byte for byte what the generated encoder writes', () => {
  const sizes = [0, 1, 127, 128, 16_383, 16_384, 200_000];
  for (const [i, n] of INT64_EDGES.entries()) {
    for (const bytes of sizes) {
      const other = INT64_EDGES[(i + 3) % INT64_EDGES.length];
      expectSameBytes({
        key: Buffer.alloc(bytes % 1000, 0x61 + i),
        createRevision: n,
        modRevision: other,
        version: n === 0n ? 0n : 1n,
        value: Buffer.alloc(bytes, i),
        lease: other,
      });
    }
  }
});

test('random KeyValue records match the generated encoder', () => {
  let seed = 12345;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  const int64 = (): bigint => (next() % 4 === 0 ? 0n : BigInt.asIntN(64, (BigInt(next()) << 33n) ^ BigInt(next())) >> BigInt(next() % 64));
  for (let i = 0; i < 500; i++) {
    expectSameBytes({
      key: Buffer.alloc(next() % 300, next() % 256),
      createRevision: int64(),
      modRevision: int64(),
      version: int64(),
      value: Buffer.alloc(next() % 3 === 0 ? 0 : next() % 5000, next() % 256),
      lease: int64(),
    });
  }
});

test('an int64 field beyond 64 bits is refused, as by the generated encoder', () => {
  const kv: KeyValue = { key: Buffer.from('k'), createRevision: 2n ** 63n, modRevision: 1n, version: 1n, value: Buffer.alloc(0), lease: 0n };
  assert.throws(() => KeyValue.encode(kv));
  assert.throws(() => encodeKeyValue(kv), RangeError);
});

test('revisions are written as 8-byte big-endian main and sub, with the tombstone mark', () => {
  for (const rev of [
    { main: 0, sub: 0 },
    { main: 1, sub: 2 },
    { main: 2 ** 32 - 1, sub: 2 ** 32 },
    { main: Number.MAX_SAFE_INTEGER, sub: 2 ** 40 + 3 },
  ]) {
    for (const tombstone of [false, true]) {
      const buf = Buffer.alloc(1 + revisionLength(tombstone), 0xee);
      writeRevision(buf, 1, rev, tombstone);
      const expected = Buffer.alloc(revisionLength(tombstone));
      expected.writeBigUInt64BE(BigInt(rev.main), 0);
      expected[8] = 0x5f;
      expected.writeBigUInt64BE(BigInt(rev.sub), 9);
      if (tombstone) expected[17] = 0x74;
      assert.equal(buf[0], 0xee);
      assert.deepEqual(buf.subarray(1), expected);
      assert.deepEqual(decodeRevision(buf.subarray(1)), { rev, tombstone });
    }
  }
});
