import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlarmRequest_AlarmAction,
  AlarmType,
  Compare_CompareResult,
  Compare_CompareTarget,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
  type Compare,
  type RequestOp,
  type TxnRequest,
} from '../../src/gen/etcdserverpb/rpc';
import { KeyValue } from '../../src/gen/mvccpb/kv';
import { InternalRequest } from '../../src/gen/tetcdpb/internal';
import { encodeMessage } from '../../src/server/encode-message';

const EMPTY = Buffer.alloc(0);

function expectSameBytes(req: InternalRequest): Buffer {
  const expected = Buffer.from(InternalRequest.encode(req).finish());
  const actual = Buffer.from(encodeMessage(InternalRequest, req));
  assert.deepEqual(actual, expected);
  return actual;
}

function compares(): Compare[] {
  const base = { result: Compare_CompareResult.EQUAL, key: Buffer.from('k'), rangeEnd: EMPTY };
  return [
    { ...base, target: Compare_CompareTarget.MOD, modRevision: 0n },
    { ...base, target: Compare_CompareTarget.MOD, modRevision: 123_456_789_012n, result: Compare_CompareResult.LESS },
    { ...base, target: Compare_CompareTarget.VERSION, version: 0n, rangeEnd: Buffer.from([0]) },
    { ...base, target: Compare_CompareTarget.CREATE, createRevision: 7n, result: Compare_CompareResult.NOT_EQUAL },
    { ...base, target: Compare_CompareTarget.VALUE, value: Buffer.alloc(300, 1), result: Compare_CompareResult.GREATER },
    { ...base, target: Compare_CompareTarget.LEASE, lease: -1n },
  ];
}

function txn(seed: number, valueBytes: number, depth = 0): TxnRequest {
  const success: RequestOp[] = [
    {
      requestRange: {
        key: Buffer.from(`/range/${seed}`),
        rangeEnd: Buffer.from(`/range/${seed + 1}`),
        limit: BigInt(seed),
        revision: 0n,
        sortOrder: RangeRequest_SortOrder.DESCEND,
        sortTarget: RangeRequest_SortTarget.MOD,
        serializable: seed % 2 === 0,
        keysOnly: true,
        countOnly: false,
        minModRevision: 1n,
        maxModRevision: 0n,
        minCreateRevision: 0n,
        maxCreateRevision: 9_007_199_254_740_993n,
      },
    },
    {
      requestPut: {
        key: Buffer.from(`/put/${seed}/\u00e9`),
        value: Buffer.alloc(valueBytes, seed),
        lease: BigInt(seed) * 0x1_0000_0000n,
        prevKv: true,
        ignoreValue: false,
        ignoreLease: seed % 3 === 0,
      },
    },
    { requestDeleteRange: { key: Buffer.from([0xff, 0, 0x80]), rangeEnd: EMPTY, prevKv: seed % 2 === 1 } },
  ];
  if (depth < 2) success.push({ requestTxn: txn(seed + 1, valueBytes, depth + 1) });
  return { compare: compares(), success, failure: depth === 0 ? [{ requestPut: success[1].requestPut }] : [] };
}

test('encodes write Txns to the same bytes as the generated encoder, small to large', () => {
  for (const valueBytes of [0, 1, 100, 127, 128, 256, 16_383, 16_384, 70_000, 300_000]) {
    for (const seed of [0, 1, 2, 3]) {
      const header = seed === 0 ? undefined : { username: seed === 1 ? '' : `user-\u00fc-${seed}`, authRevision: BigInt(seed) };
      expectSameBytes({ id: BigInt(seed) * 0xffff_ffffn + 1n, header, txn: txn(seed, valueBytes) } as InternalRequest);
    }
  }
});

test('encodes other proposals to the same bytes as the generated encoder', () => {
  const reqs = [
    { id: 1n, put: { key: Buffer.from('a'), value: Buffer.from('b'), lease: 5n, prevKv: false, ignoreValue: false, ignoreLease: false } },
    { id: 2n, deleteRange: { key: Buffer.from('a'), rangeEnd: Buffer.from([0]), prevKv: true } },
    { id: 3n, leaseGrant: { TTL: 60n, ID: 0x7fff_ffff_ffff_ffffn } },
    { id: 4n, alarm: { action: AlarmRequest_AlarmAction.ACTIVATE, memberID: 99n, alarm: AlarmType.NOSPACE } },
    { id: 18_446_744_073_709_551_615n, compaction: { revision: 10n, physical: true } },
    { id: 0n },
  ];
  for (const req of reqs) expectSameBytes(req as unknown as InternalRequest);
});

test('results are independent of later encodings', () => {
  const req = { id: 1n, txn: txn(1, 500) } as InternalRequest;
  const first = encodeMessage(InternalRequest, req);
  expectSameBytes({ id: 2n, txn: txn(2, 600) } as InternalRequest);
  assert.deepEqual(Buffer.from(first), Buffer.from(InternalRequest.encode(req).finish()));
});

test('a message the encoder rejects half-way does not corrupt the next one', () => {
  const bad = txn(0, 10);
  // Thrown after the id and most of the Txn were written, inside open length-delimited fields.
  bad.success.push({ requestTxn: { compare: [{ ...compares()[0], modRevision: 1n << 63n }], success: [], failure: [] } });
  assert.throws(() => encodeMessage(InternalRequest, { id: 7n, txn: bad } as InternalRequest), /too large/);
  expectSameBytes({ id: 3n, txn: txn(3, 10) } as InternalRequest);
  expectSameBytes({ id: 4n } as InternalRequest);
});

test('encodes store records (KeyValue) to the same bytes as the generated encoder', () => {
  const kvs: KeyValue[] = [
    { key: Buffer.from('k'), createRevision: 0n, modRevision: 5n, version: 0n, value: EMPTY, lease: 0n },
    { key: Buffer.from('key'), createRevision: 2n, modRevision: 9n, version: 3n, value: Buffer.alloc(256, 7), lease: 0x1234n },
  ];
  for (const kv of kvs) assert.deepEqual(Buffer.from(encodeMessage(KeyValue, kv)), Buffer.from(KeyValue.encode(kv).finish()));
});
