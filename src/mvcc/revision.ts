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

/** Bytes writeRevision() writes. */
export function revisionLength(tombstone: boolean): number {
  return tombstone ? REVISION_BYTES + 1 : REVISION_BYTES;
}

// main and sub are safe integers, so each 64-bit half is written as two
// 32-bit words rather than through a BigInt.
export function writeRevision(buf: Buffer, offset: number, rev: Revision, tombstone: boolean): void {
  writeU64(buf, offset, rev.main);
  buf[offset + 8] = 0x5f; // '_'
  writeU64(buf, offset + 9, rev.sub);
  if (tombstone) buf[offset + REVISION_BYTES] = TOMBSTONE_MARK;
}

function writeU64(buf: Buffer, offset: number, n: number): void {
  buf.writeUInt32BE(Math.floor(n / 2 ** 32), offset);
  buf.writeUInt32BE(n >>> 0, offset + 4);
}

export function decodeRevision(buf: Buffer): { rev: Revision; tombstone: boolean } {
  return {
    rev: { main: Number(buf.readBigUInt64BE(0)), sub: Number(buf.readBigUInt64BE(9)) },
    tombstone: buf.length > REVISION_BYTES && buf[REVISION_BYTES] === TOMBSTONE_MARK,
  };
}
