/** The load tools against a real etcd 3.4 member (skipped where /usr/bin/etcd is not installed). */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { after, before, test } from "node:test";
import { closeChannels, openChannels } from "../../bench/channels";
import { runUnaryLoad, type LoadOptions } from "../../bench/load";
import { serverCommand, startCluster, type Cluster } from "../../bench/members";
import { cpuMicros } from "../../bench/proc-cpu";
import { runWatchLatency } from "../../bench/watch-latency";

const skip = "unavailable" in serverCommand("etcd") ? "etcd is not installed" : false;
let cluster: Cluster;

before(async () => {
  if (!skip) cluster = await startCluster("etcd", 1);
});

after(async () => {
  await cluster?.stop();
});

function options(overrides: Partial<LoadOptions>): LoadOptions {
  return {
    op: "put",
    endpoints: cluster.endpoints,
    conns: 2,
    clients: 8,
    total: 200,
    keySize: 8,
    valSize: 64,
    keySpace: 100,
    sequentialKeys: false,
    consistency: "l",
    txnOps: 1,
    workers: 1,
    ...overrides,
  };
}

/** Established TCP connections from this process to `port`, found through /proc. */
function connectionsTo(port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // the descriptor closed while listing
    }
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    // Fields: 2 is the remote address, 3 the state (01 = established), 9 the socket inode.
    .filter((f) => f.length > 9 && f[2].endsWith(`:${portHex}`) && f[3] === "01" && inodes.has(f[9])).length;
}

test("put, range and txn-put complete every request without errors", { skip }, async () => {
  const put = await runUnaryLoad(options({ op: "put", total: 300 }));
  assert.equal(put.requests, 300);
  assert.equal(put.errors, 0);
  assert.ok(put.requestsPerSec > 0);
  assert.ok(put.latency.p50 > 0 && put.latency.p50 <= put.latency.p99 && put.latency.p99 <= put.latency.max);

  for (const consistency of ["l", "s"] as const) {
    const range = await runUnaryLoad(options({ op: "range", consistency }));
    assert.deepEqual([range.requests, range.errors], [200, 0]);
  }
  const txn = await runUnaryLoad(options({ op: "txn-put", txnOps: 3, total: 50 }));
  assert.deepEqual([txn.requests, txn.errors], [50, 0]);
});

test("a duration-bound run stops near its deadline", { skip }, async () => {
  const result = await runUnaryLoad(options({ total: undefined, durationMs: 500 }));
  assert.ok(result.requests > 0);
  assert.ok(result.elapsedMs >= 500 && result.elapsedMs < 5_000, `ran for ${result.elapsedMs} ms`);
});

test("worker processes split the total between them", { skip }, async () => {
  const result = await runUnaryLoad(options({ total: 101, workers: 2, conns: 2, clients: 4 }));
  assert.deepEqual([result.requests, result.errors], [101, 0]);
});

test("server errors are counted with the first message", { skip }, async () => {
  // etcd's default --max-txn-ops is 128.
  const result = await runUnaryLoad(options({ op: "txn-put", txnOps: 129, keySpace: 200, total: 5 }));
  assert.equal(result.requests, 0);
  assert.equal(result.errors, 5);
  assert.match(result.firstError ?? "", /too many operations/);
});

test("an unreachable server is reported before any load starts", { skip }, async () => {
  await assert.rejects(runUnaryLoad(options({ endpoints: ["127.0.0.1:1"] })), /cannot connect/);
});

test("grpc-js channels opened for the benchmark use distinct TCP connections", { skip }, async () => {
  const port = Number(cluster.endpoints[0].split(":")[1]);
  const before = connectionsTo(port);
  const channels = await openChannels(cluster.endpoints, 3);
  try {
    assert.equal(connectionsTo(port) - before, 3);
  } finally {
    closeChannels(channels);
  }
});

test("watch-latency sees every put on every watcher", { skip }, async () => {
  const result = await runWatchLatency({
    endpoints: cluster.endpoints,
    conns: 2,
    streams: 3,
    watchersPerStream: 2,
    putTotal: 10,
    putRate: 100,
    valSize: 16,
  });
  assert.equal(result.watchers, 6);
  assert.equal(result.deliveries, 60);
  assert.equal(result.missing, 0);
  assert.equal(result.putErrors, 0);
  assert.ok(result.delivery.p50 > 0);
});

test("a paused server burns no CPU and serves again after resume", { skip }, async () => {
  cluster.pause();
  // Signals are delivered asynchronously; give the stop a moment to take effect.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const before = cpuMicros(cluster.pids());
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(cpuMicros(cluster.pids()), before);
  await cluster.resume();
  const result = await runUnaryLoad(options({ total: 10 }));
  assert.equal(result.errors, 0);
});
