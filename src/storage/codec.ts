// Binary layout of the durable Raft log in LevelDB. Fixed-width big-endian integers keep
// records small and let LevelDB's bytewise comparator order entry keys by index.
//
//   key 'e' + u64 index  -> u8 type, u64 term, data bytes
//   key 'h'              -> u64 term, u64 vote, u64 commit
//   key 's'              -> u64 index, u64 term, u64 data size, u32 data crc32,
//                           u32 voter count, u64 voters..., u32 learner count, u64 learners...
//
// The three prefixes sort as 'e' < 'h' < 's', so all entries form one contiguous key range.

import type { ConfState, Entry, EntryType, HardState, NodeId, SnapshotMetadata } from '../raft/types';

const ENTRY_PREFIX = 0x65; // 'e'
const ENTRY_PREFIX_END = ENTRY_PREFIX + 1;
export const HARD_STATE_KEY = Buffer.from('h');
export const SNAPSHOT_META_KEY = Buffer.from('s');

const TWO_32 = 2 ** 32;

/** Terms and indexes are JS numbers below 2^53; split them into two u32 halves (faster than BigInt). */
function writeU64(buf: Buffer, offset: number, n: number): void {
  buf.writeUInt32BE(Math.floor(n / TWO_32), offset);
  buf.writeUInt32BE(n >>> 0, offset + 4);
}

function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4);
}

export function entryKey(index: number): Buffer {
  const key = Buffer.allocUnsafe(9);
  key[0] = ENTRY_PREFIX;
  writeU64(key, 1, index);
  return key;
}

export function entryKeyIndex(key: Buffer): number {
  return readU64(key, 1);
}

/** Iterator bounds covering every entry key. */
export const ENTRY_RANGE = { gte: Buffer.from([ENTRY_PREFIX]), lt: Buffer.from([ENTRY_PREFIX_END]) };

const ENTRY_HEADER = 9;

export function encodeEntry(e: Entry): Buffer {
  const buf = Buffer.allocUnsafe(ENTRY_HEADER + e.data.length);
  buf[0] = e.type;
  writeU64(buf, 1, e.term);
  buf.set(e.data, ENTRY_HEADER);
  return buf;
}

export function decodeEntry(index: number, value: Buffer): Entry {
  // A plain Uint8Array view, not a Buffer, so entries compare equal to the ones Raft produced.
  const data = new Uint8Array(value.buffer, value.byteOffset + ENTRY_HEADER, value.length - ENTRY_HEADER);
  return { index, term: readU64(value, 1), type: value[0] as EntryType, data };
}

export function encodeHardState(hs: HardState): Buffer {
  const buf = Buffer.allocUnsafe(24);
  writeU64(buf, 0, hs.term);
  buf.writeBigUInt64BE(hs.vote, 8);
  writeU64(buf, 16, hs.commit);
  return buf;
}

export function decodeHardState(buf: Buffer): HardState {
  return { term: readU64(buf, 0), vote: buf.readBigUInt64BE(8), commit: readU64(buf, 16) };
}

/** Snapshot metadata as stored: Raft's metadata plus what is needed to verify the data file. */
export interface StoredSnapshotMeta {
  metadata: SnapshotMetadata;
  dataSize: number;
  dataCrc: number;
}

export function encodeSnapshotMeta(m: StoredSnapshotMeta): Buffer {
  const { voters, learners } = m.metadata.confState;
  const buf = Buffer.allocUnsafe(28 + 4 + voters.length * 8 + 4 + learners.length * 8);
  writeU64(buf, 0, m.metadata.index);
  writeU64(buf, 8, m.metadata.term);
  writeU64(buf, 16, m.dataSize);
  buf.writeUInt32BE(m.dataCrc, 24);
  let offset = writeIds(buf, 28, voters);
  offset = writeIds(buf, offset, learners);
  return buf;
}

export function decodeSnapshotMeta(buf: Buffer): StoredSnapshotMeta {
  const voters = readIds(buf, 28);
  const learners = readIds(buf, 28 + 4 + voters.length * 8);
  const confState: ConfState = { voters, learners };
  return {
    metadata: { index: readU64(buf, 0), term: readU64(buf, 8), confState },
    dataSize: readU64(buf, 16),
    dataCrc: buf.readUInt32BE(24),
  };
}

function writeIds(buf: Buffer, offset: number, ids: NodeId[]): number {
  buf.writeUInt32BE(ids.length, offset);
  offset += 4;
  for (const id of ids) {
    buf.writeBigUInt64BE(id, offset);
    offset += 8;
  }
  return offset;
}

function readIds(buf: Buffer, offset: number): NodeId[] {
  const count = buf.readUInt32BE(offset);
  const ids: NodeId[] = [];
  for (let i = 0; i < count; i++) ids.push(buf.readBigUInt64BE(offset + 4 + i * 8));
  return ids;
}
