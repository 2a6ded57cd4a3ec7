/**
 * Pre-encoded etcd v3 request messages for the load generator.
 *
 * Messages are written directly with the protobuf wire writer, so the hot path hands HTTP/2 ready bytes instead of
 * building and encoding an object per request. Field numbers follow etcd's rpc.proto.
 */
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

/** Beyond this many distinct requests, encoding on demand costs less memory than caching every message. */
const PREENCODE_LIMIT = 100_000;

export type Consistency = "l" | "s";

export interface KeyShape {
  keySize: number;
  /** Number of distinct keys requests are spread over. */
  keySpace: number;
}

/** Zero-padded decimal keys: readable in etcdctl and identical across runs, so a range finds what a put wrote. */
export function benchKey(index: number, keySize: number): Buffer {
  const digits = String(index);
  if (digits.length > keySize) {
    throw new Error(`key index ${index} does not fit in a ${keySize}-byte key; raise --key-size or lower --key-space`);
  }
  return Buffer.from(digits.padStart(keySize, "0"), "latin1");
}

/**
 * Deterministic pseudo-random bytes: a constant filler would be flattered by storage-level compression (LevelDB
 * compresses blocks with snappy) and make the comparison unfair.
 */
export function benchValue(size: number, seed = 0x9e3779b9): Buffer {
  const value = Buffer.allocUnsafe(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    value[i] = state & 0xff;
  }
  return value;
}

/** Prefixes a protobuf message with gRPC's 5-byte length-prefixed-message header (uncompressed). */
export function frameMessage(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  return framed;
}

function writePutFields(writer: BinaryWriter, key: Uint8Array, value: Uint8Array): BinaryWriter {
  return writer.tag(1, WireType.LengthDelimited).bytes(key).tag(2, WireType.LengthDelimited).bytes(value);
}

function finish(writer: BinaryWriter): Buffer {
  const bytes = writer.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodePut(key: Uint8Array, value: Uint8Array): Buffer {
  return finish(writePutFields(new BinaryWriter(), key, value));
}

export function encodeRange(key: Uint8Array, consistency: Consistency): Buffer {
  const writer = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(key);
  if (consistency === "s") writer.tag(7, WireType.Varint).bool(true);
  return finish(writer);
}

/** A transaction without comparisons whose success branch puts every key given. */
export function encodeTxnPut(keys: Uint8Array[], value: Uint8Array): Buffer {
  const writer = new BinaryWriter();
  for (const key of keys) {
    // TxnRequest.success (2) holds RequestOp messages; RequestOp.request_put is field 2 of its oneof.
    writer.tag(2, WireType.LengthDelimited).fork();
    writer.tag(2, WireType.LengthDelimited).fork();
    writePutFields(writer, key, value);
    writer.join().join();
  }
  return finish(writer);
}

/** WatchRequest carrying a create_request (field 1) for a single key. */
export function encodeWatchCreate(key: Uint8Array): Buffer {
  const writer = new BinaryWriter().tag(1, WireType.LengthDelimited).fork();
  writer.tag(1, WireType.LengthDelimited).bytes(key);
  return finish(writer.join());
}

/** Picks the key index of each request, uniformly at random or in order, and returns that key's request bytes. */
export class RequestPool {
  private cursor: number;

  constructor(
    private readonly keySpace: number,
    private readonly requestFor: (keyIndex: number) => Buffer,
    private readonly sequential: boolean,
    firstKey = 0,
  ) {
    if (!Number.isInteger(keySpace) || keySpace < 1) throw new Error("key space must be a positive integer");
    this.cursor = firstKey % keySpace;
  }

  next(): Buffer {
    let index: number;
    if (this.sequential) {
      index = this.cursor;
      this.cursor = (this.cursor + 1) % this.keySpace;
    } else {
      index = Math.floor(Math.random() * this.keySpace);
    }
    return this.requestFor(index);
  }
}

/** Encoded requests by operation and shape, because compare.ts runs the same load many times in one process. */
const encodedCache = new Map<string, Buffer[]>();

/**
 * Encodes every request of the key space once, when it is small enough. Requests must stay immutable once encoded,
 * because HTTP/2 may hold on to a buffer until its stream is written.
 */
function preEncoded(id: string, keySpace: number, encode: (keyIndex: number) => Buffer): (keyIndex: number) => Buffer {
  if (keySpace > PREENCODE_LIMIT) return encode;
  let all = encodedCache.get(id);
  if (all === undefined) {
    all = Array.from({ length: keySpace }, (_, i) => encode(i));
    encodedCache.set(id, all);
  }
  const requests = all;
  return (keyIndex) => requests[keyIndex];
}

export type UnaryOp = "put" | "range" | "txn-put";

export interface RequestShape extends KeyShape {
  valSize: number;
  consistency: Consistency;
  txnOps: number;
  sequentialKeys: boolean;
}

/**
 * The gRPC method path and a pool of framed requests (ready to be written as an HTTP/2 body) for one benchmark
 * operation.
 */
export function requestsFor(op: UnaryOp, shape: RequestShape, firstKey = 0): { path: string; pool: RequestPool } {
  const value = benchValue(shape.valSize);
  const key = (index: number): Buffer => benchKey(index, shape.keySize);
  const id = JSON.stringify([op, shape.keySize, shape.keySpace, shape.valSize, shape.consistency, shape.txnOps]);
  const pool = (encode: (keyIndex: number) => Buffer): RequestPool =>
    new RequestPool(
      shape.keySpace,
      preEncoded(id, shape.keySpace, (i) => frameMessage(encode(i))),
      shape.sequentialKeys,
      firstKey,
    );
  switch (op) {
    case "put":
      return { path: "/etcdserverpb.KV/Put", pool: pool((i) => encodePut(key(i), value)) };
    case "range":
      return { path: "/etcdserverpb.KV/Range", pool: pool((i) => encodeRange(key(i), shape.consistency)) };
    case "txn-put": {
      // etcd rejects a transaction that writes the same key twice, so the ops take consecutive distinct keys.
      if (shape.txnOps > shape.keySpace) throw new Error("--txn-ops cannot exceed --key-space");
      const keysFrom = (first: number): Buffer[] =>
        Array.from({ length: shape.txnOps }, (_, j) => key((first + j) % shape.keySpace));
      return { path: "/etcdserverpb.KV/Txn", pool: pool((i) => encodeTxnPut(keysFrom(i), value)) };
    }
  }
}
