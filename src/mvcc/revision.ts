// A revision is (main, sub): main numbers the write transaction, sub the
// change inside it. On disk it is encoded exactly like etcd's key bucket
// (8-byte big-endian main, '_', 8-byte big-endian sub, optional 't' for a
// tombstone) so HashKV covers the same bytes etcd would.

export interface Revision {
  main: number;
  sub: number;
}

export const REVISION_BYTES = 17;
const TOMBSTONE_MARK = 0x74; // 't'

export function encodeRevision(rev: Revision, tombstone: boolean): Buffer {
  const buf = Buffer.alloc(tombstone ? REVISION_BYTES + 1 : REVISION_BYTES);
  buf.writeBigUInt64BE(BigInt(rev.main), 0);
  buf[8] = 0x5f; // '_'
  buf.writeBigUInt64BE(BigInt(rev.sub), 9);
  if (tombstone) buf[REVISION_BYTES] = TOMBSTONE_MARK;
  return buf;
}

export function decodeRevision(buf: Buffer): { rev: Revision; tombstone: boolean } {
  return {
    rev: { main: Number(buf.readBigUInt64BE(0)), sub: Number(buf.readBigUInt64BE(9)) },
    tombstone: buf.length > REVISION_BYTES && buf[REVISION_BYTES] === TOMBSTONE_MARK,
  };
}
