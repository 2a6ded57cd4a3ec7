import type { KeyValue } from '../gen/mvccpb/kv';

// The store writes one mvccpb.KeyValue record per change. These are the bytes
// the generated encoder produces (fields in number order, zero values left
// out), sized first and written into one Buffer: the generic writer's growing
// buffer cost several times the encoding itself.

const KEY_TAG = (1 << 3) | 2;
const CREATE_REVISION_TAG = 2 << 3;
const MOD_REVISION_TAG = 3 << 3;
const VERSION_TAG = 4 << 3;
const VALUE_TAG = (5 << 3) | 2;
const LEASE_TAG = 6 << 3;

export function encodeKeyValue(kv: KeyValue): Buffer {
  const createRevision = int64Varint(kv.createRevision);
  const modRevision = int64Varint(kv.modRevision);
  const version = int64Varint(kv.version);
  const lease = int64Varint(kv.lease);
  const size =
    bytesFieldSize(kv.key) +
    varintFieldSize(createRevision) +
    varintFieldSize(modRevision) +
    varintFieldSize(version) +
    bytesFieldSize(kv.value) +
    varintFieldSize(lease);
  const out = Buffer.allocUnsafe(size);
  let pos = writeBytesField(out, 0, KEY_TAG, kv.key);
  pos = writeVarintField(out, pos, CREATE_REVISION_TAG, createRevision);
  pos = writeVarintField(out, pos, MOD_REVISION_TAG, modRevision);
  pos = writeVarintField(out, pos, VERSION_TAG, version);
  pos = writeBytesField(out, pos, VALUE_TAG, kv.value);
  pos = writeVarintField(out, pos, LEASE_TAG, lease);
  if (pos !== size) throw new Error(`mvcc: KeyValue record sized ${size} bytes but wrote ${pos}`);
  return out;
}

// An int64 goes on the wire as its unsigned two's complement, so a negative
// value takes ten bytes.
function int64Varint(value: bigint): bigint {
  if (BigInt.asIntN(64, value) !== value) throw new RangeError(`mvcc: int64 field out of range: ${value}`);
  return value < 0n ? BigInt.asUintN(64, value) : value;
}

// Tags here are one byte and zero values are omitted.
function varintFieldSize(value: bigint): number {
  if (value === 0n) return 0;
  let size = 2;
  for (let v = value; v >= 0x80n; v >>= 7n) size++;
  return size;
}

function bytesFieldSize(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let size = 2;
  for (let n = bytes.length; n >= 0x80; n >>>= 7) size++;
  return size + bytes.length;
}

function writeVarintField(out: Buffer, pos: number, tag: number, value: bigint): number {
  if (value === 0n) return pos;
  out[pos++] = tag;
  let v = value;
  while (v >= 0x80n) {
    out[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[pos++] = Number(v);
  return pos;
}

function writeBytesField(out: Buffer, pos: number, tag: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return pos;
  out[pos++] = tag;
  let n = bytes.length;
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[pos++] = n;
  out.set(bytes, pos);
  return pos + bytes.length;
}
