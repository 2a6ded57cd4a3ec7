import assert from "node:assert/strict";
import { test } from "node:test";
import { PutRequest, RangeRequest, TxnRequest, WatchRequest } from "../../src/gen/etcdserverpb/rpc";
import {
  benchKey,
  benchValue,
  encodePut,
  encodeRange,
  encodeTxnPut,
  encodeWatchCreate,
  frameMessage,
  RequestPool,
  requestsFor,
} from "../../bench/requests";

test("keys are zero-padded decimal indexes of the requested size", () => {
  assert.equal(benchKey(42, 8).toString(), "00000042");
  assert.equal(benchKey(0, 1).toString(), "0");
  assert.throws(() => benchKey(100, 2), /does not fit in a 2-byte key/);
});

test("values are deterministic, of the requested size, and not a constant filler", () => {
  const value = benchValue(256);
  assert.equal(value.length, 256);
  assert.deepEqual(value, benchValue(256));
  assert.ok(new Set(value).size > 100);
});

test("a pre-encoded put decodes to the same key and value", () => {
  const decoded = PutRequest.decode(encodePut(Buffer.from("k1"), Buffer.from("v1")));
  assert.equal(Buffer.from(decoded.key).toString(), "k1");
  assert.equal(Buffer.from(decoded.value).toString(), "v1");
  assert.equal(decoded.prevKv, false);
});

test("a range request carries the consistency level", () => {
  const linearizable = RangeRequest.decode(encodeRange(Buffer.from("a"), "l"));
  const serializable = RangeRequest.decode(encodeRange(Buffer.from("a"), "s"));
  assert.equal(Buffer.from(linearizable.key).toString(), "a");
  assert.equal(linearizable.serializable, false);
  assert.equal(serializable.serializable, true);
});

test("a txn-put has one put per key in its success branch and no comparisons", () => {
  const decoded = TxnRequest.decode(encodeTxnPut([Buffer.from("a"), Buffer.from("b")], Buffer.from("v")));
  assert.equal(decoded.compare.length, 0);
  assert.equal(decoded.failure.length, 0);
  assert.deepEqual(
    decoded.success.map((op) => Buffer.from(op.requestPut!.key).toString()),
    ["a", "b"],
  );
  assert.equal(Buffer.from(decoded.success[1].requestPut!.value).toString(), "v");
});

test("a watch create request names its key", () => {
  const decoded = WatchRequest.decode(encodeWatchCreate(Buffer.from("w")));
  assert.equal(Buffer.from(decoded.createRequest!.key).toString(), "w");
});

test("frameMessage adds the uncompressed gRPC length prefix", () => {
  const framed = frameMessage(Buffer.from([1, 2, 3]));
  assert.deepEqual([...framed], [0, 0, 0, 0, 3, 1, 2, 3]);
});

test("a sequential pool cycles through the key space from its first key", () => {
  const pool = new RequestPool(3, (i) => Buffer.from([i]), true, 2);
  assert.deepEqual([0, 1, 2, 3].map(() => pool.next()[0]), [2, 0, 1, 2]);
});

test("a random pool stays within the key space and reaches all of it", () => {
  const pool = new RequestPool(5, (i) => Buffer.from([i]), false);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(pool.next()[0]);
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
});

test("requests of the same shape are encoded once and shared between pools", () => {
  const shape = { keySize: 8, keySpace: 4, valSize: 16, consistency: "l" as const, txnOps: 1, sequentialKeys: true };
  const first = requestsFor("put", shape).pool;
  const second = requestsFor("put", shape).pool;
  const firstRound = [0, 1, 2, 3].map(() => first.next());
  const secondRound = [0, 1, 2, 3].map(() => second.next());
  firstRound.forEach((request, i) => assert.equal(request, secondRound[i]));
  assert.notEqual(requestsFor("put", { ...shape, valSize: 17 }).pool.next(), firstRound[0]);
});

test("requestsFor frames requests for the right method", () => {
  const shape = { keySize: 4, keySpace: 3, valSize: 2, consistency: "s" as const, txnOps: 2, sequentialKeys: true };
  const range = requestsFor("range", shape);
  assert.equal(range.path, "/etcdserverpb.KV/Range");
  const body = range.pool.next();
  assert.equal(body.readUInt32BE(1), body.length - 5);
  assert.equal(RangeRequest.decode(body.subarray(5)).serializable, true);

  const txn = requestsFor("txn-put", shape, 2);
  assert.equal(txn.path, "/etcdserverpb.KV/Txn");
  const ops = TxnRequest.decode(txn.pool.next().subarray(5)).success;
  const keys = ops.map((op) => Buffer.from(op.requestPut!.key).toString());
  assert.deepEqual(keys, ["0002", "0000"]);
  assert.throws(() => requestsFor("txn-put", { ...shape, txnOps: 4 }), /cannot exceed --key-space/);
});
