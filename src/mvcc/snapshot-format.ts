import { Crc32c } from './crc32c';

// Byte stream for a whole-database dump (Raft snapshots and
// Maintenance.Snapshot): a magic header, then length-prefixed key/value
// records, then an end marker and a CRC-32C of everything before it, so a
// truncated or corrupted transfer is rejected instead of half-restored.

const MAGIC = Buffer.from('TETCDSNAP1');
const END_MARKER = 0xffffffff;

export function encodeHeader(): Buffer {
  return Buffer.from(MAGIC);
}

export function encodeRecord(key: Buffer, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(key.length, 0);
  head.writeUInt32BE(value.length, 4);
  return Buffer.concat([head, key, value]);
}

export function encodeTrailer(crc: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeUInt32BE(END_MARKER, 0);
  buf.writeUInt32BE(crc, 4);
  return buf;
}

export class SnapshotFormatError extends Error {}

/**
 * Only zero bytes may follow the end marker: a saved client snapshot is padded to a multiple of 512 bytes before
 * its SHA-256, the layout etcdctl checks for (etcd's files are whole database pages).
 */
function checkPadding(bytes: Uint8Array): void {
  for (const b of bytes) if (b !== 0) throw new SnapshotFormatError('snapshot: data after end marker');
}

// Incremental parser: feed chunks as they arrive, receive records.
export class SnapshotDecoder {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly crc = new Crc32c();
  private sawHeader = false;
  private done = false;

  push(chunk: Uint8Array, onRecord: (key: Buffer, value: Buffer) => void): void {
    if (this.done) {
      checkPadding(chunk);
      return;
    }
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    let pos = 0;
    if (!this.sawHeader) {
      if (this.buffered.length < MAGIC.length) return;
      if (!this.buffered.subarray(0, MAGIC.length).equals(MAGIC)) throw new SnapshotFormatError('snapshot: bad header');
      this.crc.update(MAGIC);
      pos = MAGIC.length;
      this.sawHeader = true;
    }
    while (this.buffered.length - pos >= 8) {
      const keyLen = this.buffered.readUInt32BE(pos);
      if (keyLen === END_MARKER) {
        const expected = this.buffered.readUInt32BE(pos + 4);
        if (expected !== this.crc.digest()) throw new SnapshotFormatError('snapshot: checksum mismatch');
        checkPadding(this.buffered.subarray(pos + 8));
        this.done = true;
        pos = this.buffered.length;
        break;
      }
      const valueLen = this.buffered.readUInt32BE(pos + 4);
      const total = 8 + keyLen + valueLen;
      if (this.buffered.length - pos < total) break;
      const record = this.buffered.subarray(pos, pos + total);
      this.crc.update(record);
      onRecord(Buffer.from(record.subarray(8, 8 + keyLen)), Buffer.from(record.subarray(8 + keyLen)));
      pos += total;
    }
    this.buffered = this.buffered.subarray(pos);
  }

  finish(): void {
    if (!this.done) throw new SnapshotFormatError('snapshot: truncated');
  }
}
