/**
 * Load generator for etcd v3 servers (real etcd or tetcd), in the spirit of etcd's tools/benchmark.
 *
 *   node dist/bench/load.js put --endpoints 127.0.0.1:2379 --conns 100 --clients 1000 --val-size 256 --duration 10
 *   node dist/bench/load.js range --consistency s --clients 100 --total 100000
 *   node dist/bench/load.js txn-put --txn-ops 4 --key-space 10000
 *   node dist/bench/load.js watch-latency --streams 10 --watchers-per-stream 10 --put-total 200 --put-rate 100
 *
 * Add --json for a machine-readable result and --workers N to spread the clients over N processes when a single
 * Node.js process cannot keep the server busy.
 */
import { fork } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { formatLatency, Histogram, type LatencySummary } from "./histogram";
import type { FromWorker, ToWorker } from "./load-worker";
import type { Consistency, UnaryOp } from "./requests";
import { prepareUnaryRun, type UnaryRunOptions, type UnaryRunResult } from "./unary-load";
import { formatWatchLatency, runWatchLatency } from "./watch-latency";

export interface LoadOptions extends UnaryRunOptions {
  /** Number of processes generating load; 1 runs everything in the calling process. */
  workers: number;
}

export interface LoadResult {
  op: UnaryOp;
  requests: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  requestsPerSec: number;
  latency: LatencySummary;
  /** Load-generator CPU per successful request, to show whether the client side was the bottleneck. */
  clientCpuMicrosPerOp: number;
  /** Load-generator CPU over wall time, in cores; near 1 per worker means the generator saturated. */
  clientCpuCores: number;
}

/** Runs a closed-loop unary benchmark and summarizes it. */
export async function runUnaryLoad(options: LoadOptions): Promise<LoadResult> {
  const startedAt = performance.now();
  const parts = options.workers <= 1 ? [await runInProcess(options)] : await runInWorkers(options);
  const wallMs = performance.now() - startedAt;
  return summarize(options.op, parts, Math.max(...parts.map((part) => part.elapsedMs)), wallMs);
}

async function runInProcess(options: UnaryRunOptions): Promise<UnaryRunResult> {
  const run = await prepareUnaryRun(options);
  try {
    return await run.start();
  } finally {
    run.close();
  }
}

/** Divides `amount` into `parts` shares that differ by at most one. */
export function share(amount: number, parts: number, index: number): number {
  return Math.floor(amount / parts) + (index < amount % parts ? 1 : 0);
}

function workerOptions(options: LoadOptions, workers: number, index: number): UnaryRunOptions {
  let firstConn = 0;
  for (let i = 0; i < index; i++) firstConn += share(options.conns, workers, i);
  return {
    ...options,
    conns: share(options.conns, workers, index),
    clients: share(options.clients, workers, index),
    total: options.total === undefined ? undefined : share(options.total, workers, index),
    firstKey: Math.floor((index * options.keySpace) / workers),
    firstConn,
  };
}

async function runInWorkers(options: LoadOptions): Promise<UnaryRunResult[]> {
  const workers = Math.min(options.workers, options.conns, options.clients);
  // Works both from dist/ (.js) and under tsx (.ts): fork reuses this process's exec arguments.
  const script = path.join(__dirname, `load-worker${path.extname(__filename)}`);
  const children = Array.from({ length: workers }, () =>
    fork(script, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
  const send = (index: number, message: ToWorker): void => void children[index].send(message);
  const nextMessage = (index: number): Promise<FromWorker> =>
    new Promise((resolve, reject) => {
      const child = children[index];
      const onExit = (code: number | null): void => reject(new Error(`load worker ${index} exited with code ${code}`));
      child.once("exit", onExit);
      child.once("message", (message: FromWorker) => {
        child.off("exit", onExit);
        resolve(message);
      });
    });
  type Reply<T> = Extract<FromWorker, { type: T }>;
  const expect = async <T extends FromWorker["type"]>(index: number, type: T): Promise<Reply<T>> => {
    const message = await nextMessage(index);
    if (message.type === "failed") throw new Error(`load worker ${index}: ${message.message}`);
    if (message.type !== type) throw new Error(`load worker ${index}: expected ${type}, got ${message.type}`);
    return message as Reply<T>;
  };

  try {
    const ready = children.map((_, i) => expect(i, "ready"));
    children.forEach((_, i) => send(i, { type: "prepare", options: workerOptions(options, workers, i) }));
    await Promise.all(ready);
    const done = children.map((_, i) => expect(i, "done"));
    children.forEach((_, i) => send(i, { type: "start" }));
    return (await Promise.all(done)).map((message) => message.result);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

function summarize(op: UnaryOp, parts: UnaryRunResult[], elapsedMs: number, wallMs: number): LoadResult {
  const histogram = new Histogram();
  let errors = 0;
  let cpuMicros = 0;
  let firstError: string | undefined;
  for (const part of parts) {
    histogram.merge(part.histogram);
    errors += part.errors;
    cpuMicros += part.cpuMicros;
    firstError ??= part.firstError;
  }
  const requests = histogram.count;
  return {
    op,
    requests,
    errors,
    firstError,
    elapsedMs,
    requestsPerSec: elapsedMs > 0 ? (requests * 1000) / elapsedMs : 0,
    latency: histogram.summary(),
    clientCpuMicrosPerOp: requests > 0 ? cpuMicros / requests : 0,
    clientCpuCores: wallMs > 0 ? cpuMicros / 1000 / wallMs : 0,
  };
}

export function formatLoadResult(result: LoadResult): string {
  const lines = [
    `${result.op}: ${result.requests} requests in ${(result.elapsedMs / 1000).toFixed(2)} s = ` +
      `${result.requestsPerSec.toFixed(0)} req/s, ${result.errors} errors`,
    `latency: ${formatLatency(result.latency)}`,
    `client CPU: ${result.clientCpuMicrosPerOp.toFixed(1)} µs/op (${result.clientCpuCores.toFixed(2)} cores)`,
  ];
  if (result.firstError !== undefined) lines.push(`first error: ${result.firstError}`);
  return lines.join("\n");
}

function positiveInt(name: string, text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return value;
}

const USAGE = `usage: load <put|range|txn-put|watch-latency> [options]
  --endpoints a:p,b:p     servers (default 127.0.0.1:2379)
  --conns N               gRPC connections (default 1)
  --clients N             concurrent requests in flight, spread over the connections (default 1)
  --total N | --duration S   requests to send (default 10000) or seconds to run
  --key-size N --val-size N  bytes (default 8 and 8)
  --key-space N           distinct keys, chosen at random unless --sequential-keys (default 1)
  --consistency l|s       range: linearizable or serializable (default l)
  --txn-ops N             txn-put: puts per transaction (default 1)
  --workers N             load-generating processes (default 1)
  --streams N --watchers-per-stream N --put-total N --put-rate N   watch-latency (defaults 10, 10, 100, 100)
  --json                  print the result as JSON`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      endpoints: { type: "string", default: "127.0.0.1:2379" },
      conns: { type: "string" },
      clients: { type: "string" },
      total: { type: "string" },
      duration: { type: "string" },
      "key-size": { type: "string" },
      "val-size": { type: "string" },
      "key-space": { type: "string" },
      "sequential-keys": { type: "boolean", default: false },
      consistency: { type: "string", default: "l" },
      "txn-ops": { type: "string" },
      workers: { type: "string" },
      streams: { type: "string" },
      "watchers-per-stream": { type: "string" },
      "put-total": { type: "string" },
      "put-rate": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  const endpoints = values.endpoints.split(",").filter((endpoint) => endpoint !== "");
  const conns = positiveInt("conns", values.conns, 1);
  const keySize = positiveInt("key-size", values["key-size"], 8);
  const valSize = positiveInt("val-size", values["val-size"], 8);

  if (command === "watch-latency") {
    const result = await runWatchLatency({
      endpoints,
      conns,
      streams: positiveInt("streams", values.streams, 10),
      watchersPerStream: positiveInt("watchers-per-stream", values["watchers-per-stream"], 10),
      putTotal: positiveInt("put-total", values["put-total"], 100),
      putRate: positiveInt("put-rate", values["put-rate"], 100),
      valSize,
    });
    console.log(values.json ? JSON.stringify(result, null, 2) : formatWatchLatency(result));
    return;
  }
  if (command !== "put" && command !== "range" && command !== "txn-put") {
    throw new Error(`unknown command ${command}\n${USAGE}`);
  }
  if (values.total !== undefined && values.duration !== undefined) {
    throw new Error("give --total or --duration, not both");
  }
  if (values.consistency !== "l" && values.consistency !== "s") throw new Error("--consistency must be l or s");
  const durationSec = values.duration === undefined ? undefined : Number(values.duration);
  if (durationSec !== undefined && !(durationSec > 0)) {
    throw new Error("--duration must be a positive number of seconds");
  }

  const result = await runUnaryLoad({
    op: command,
    endpoints,
    conns,
    clients: positiveInt("clients", values.clients, 1),
    total: durationSec === undefined ? positiveInt("total", values.total, 10_000) : undefined,
    durationMs: durationSec === undefined ? undefined : durationSec * 1000,
    keySize,
    valSize,
    keySpace: positiveInt("key-space", values["key-space"], 1),
    sequentialKeys: values["sequential-keys"],
    consistency: values.consistency as Consistency,
    txnOps: positiveInt("txn-ops", values["txn-ops"], 1),
    workers: positiveInt("workers", values.workers, 1),
  });
  console.log(values.json ? JSON.stringify(result, null, 2) : formatLoadResult(result));
  if (result.requests === 0) process.exitCode = 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(2);
  });
}
