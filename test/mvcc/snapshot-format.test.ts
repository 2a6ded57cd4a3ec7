import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Crc32c } from '../../src/mvcc/crc32c';
import { SnapshotDecoder, encodeHeader, encodeRecord, encodeTrailer } from '../../src/mvcc/snapshot-format';

function dump(): Buffer {
  const head = encodeHeader();
  const rec = encodeRecord(Buffer.from('k'), Buffer.from('v'));
  const crc = new Crc32c();
  crc.update(head);
  crc.update(rec);
  return Buffer.concat([head, rec, encodeTrailer(crc.digest())]);
}

test('a dump padded with zeros to a 512-byte block (as client snapshots are) decodes', () => {
  const d = new SnapshotDecoder();
  const records: string[] = [];
  const padded = Buffer.concat([dump(), Buffer.alloc(512 - (dump().length % 512))]);
  d.push(padded.subarray(0, 20), (k, v) => records.push(`${k}=${v}`));
  d.push(padded.subarray(20), (k, v) => records.push(`${k}=${v}`));
  d.push(Buffer.alloc(3), () => assert.fail('no record in padding'));
  d.finish();
  assert.deepEqual(records, ['k=v']);
});

test('anything but zeros after the end marker is refused', () => {
  const d = new SnapshotDecoder();
  assert.throws(() => d.push(Buffer.concat([dump(), Buffer.from([0, 7])]), () => undefined), /data after end marker/);
});
