/**
 * `npm run bench`: runs the same client-facing loads against real etcd 3.4 and tetcd, alternating between them, and
 * prints both figures side by side with the tetcd/etcd ratio.
 *
 *   node dist/bench/compare.js [--quick] [--cluster] [--rounds N] [--servers etcd,tetcd] [--workers N] [--rows id,...] [--json]
 *
 * --rows keeps only the named rows (put-throughput, put-latency, range-linearizable, range-serializable, v2-put,
 * v2-get, put-all-members).
 *
 * Only one server runs at a time: the idle one is frozen with SIGSTOP so that it takes no CPU from the measured one
 * on this small machine. Server CPU per request is read from /proc and is the figure tetcd optimizes.
 */
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { runUnaryLoad, type LoadOptions, type LoadResult } from "./load";
import { killAllServers, serverCommand, startCluster, type Cluster, type ServerKind } from "./members";
import { cpuMicros } from "./proc-cpu";
import { preloadV2, runV2Load, type V2LoadOptions } from "./v2";

type Metric = "rps" | "p50" | "p99" | "cpu";

interface Scenario {
  id: string;
  title: string;
  /** Only run with --cluster. */
  clusterOnly: boolean;
  /** "leader" sends everything to one member (the leader in cluster mode); "all" spreads connections over members. */
  target: "leader" | "all";
  /** A v3 gRPC load, or a v2 HTTP one (marked by `api`). */
  load: Omit<LoadOptions, "endpoints" | "workers"> | V2Scenario;
  metrics: Metric[];
}

interface Durations {
  throughputMs: number;
  latencyMs: number;
  warmupMs: number;
}

const FULL: Durations = { throughputMs: 6_000, latencyMs: 4_000, warmupMs: 3_000 };
const QUICK: Durations = { throughputMs: 1_000, latencyMs: 1_000, warmupMs: 500 };

/** Range scenarios read from this many keys, all written before the first measurement. */
const RANGE_KEYS = 1_000;

type V2Scenario = Omit<V2LoadOptions, "endpoint"> & { api: "v2" };

/** v2 GETs read this many keys, written (through v2) before the first measurement. */
const V2_KEYS = 1_000;

const BASE = { keySize: 8, valSize: 256, txnOps: 1, sequentialKeys: false, consistency: "l" as const };

function scenarios(durations: Durations): Scenario[] {
  const heavy = { conns: 100, clients: 1_000, durationMs: durations.throughputMs };
  return [
    {
      id: "put-throughput",
      title: "put, 100 conns / 1000 clients, key 8 B, value 256 B",
      clusterOnly: false,
      target: "leader",
      load: { ...BASE, ...heavy, op: "put", keySpace: 100_000 },
      metrics: ["rps", "p99", "cpu"],
    },
    {
      id: "put-latency",
      title: "put, 1 client",
      clusterOnly: false,
      target: "leader",
      load: { ...BASE, op: "put", conns: 1, clients: 1, durationMs: durations.latencyMs, keySpace: 100_000 },
      metrics: ["p50", "p99", "rps", "cpu"],
    },
    {
      id: "range-linearizable",
      title: "range (linearizable), 100 conns / 1000 clients",
      clusterOnly: false,
      target: "leader",
      load: { ...BASE, ...heavy, durationMs: durations.latencyMs, op: "range", keySpace: RANGE_KEYS },
      metrics: ["rps", "p99", "cpu"],
    },
    {
      id: "range-serializable",
      title: "range (serializable), 100 conns / 1000 clients",
      clusterOnly: false,
      target: "leader",
      load: { ...BASE, ...heavy, durationMs: durations.latencyMs, op: "range", consistency: "s", keySpace: RANGE_KEYS },
      metrics: ["rps", "p99", "cpu"],
    },
    {
      id: "v2-put",
      title: "v2 HTTP PUT, 50 connections, value 256 B",
      clusterOnly: false,
      target: "leader",
      load: { api: "v2", op: "put", connections: 50, durationMs: durations.latencyMs, keySpace: V2_KEYS, valSize: 256 },
      metrics: ["rps", "p99", "cpu"],
    },
    {
      id: "v2-get",
      title: "v2 HTTP GET, 50 connections",
      clusterOnly: false,
      target: "leader",
      load: { api: "v2", op: "get", connections: 50, durationMs: durations.latencyMs, keySpace: V2_KEYS, valSize: 256 },
      metrics: ["rps", "p99", "cpu"],
    },
    {
      id: "put-all-members",
      title: "put spread over all members, 100 conns / 1000 clients",
      clusterOnly: true,
      target: "all",
      load: { ...BASE, ...heavy, op: "put", keySpace: 100_000 },
      metrics: ["rps", "p99", "cpu"],
    },
  ];
}

export interface RunFigures {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU (all members, all threads) per successful request, in µs. */
  cpu: number;
  errors: number;
  firstError?: string;
  /** Load-generator CPU in cores; close to the worker count means the client side may have been the limit. */
  clientCores: number;
}

/** A run in which nothing succeeded has no figures (NaN, shown as "-"), only errors. */
function figures(result: LoadResult, serverCpuMicros: number): RunFigures {
  const succeeded = result.requests > 0;
  return {
    rps: succeeded ? result.requestsPerSec : NaN,
    p50: succeeded ? result.latency.p50 : NaN,
    p99: succeeded ? result.latency.p99 : NaN,
    cpu: succeeded ? serverCpuMicros / result.requests : NaN,
    errors: result.errors,
    firstError: result.firstError,
    clientCores: result.clientCpuCores,
  };
}

export function median(values: number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const METRIC_LABEL: Record<Metric, string> = {
  rps: "req/s",
  p50: "p50 ms",
  p99: "p99 ms",
  cpu: "server CPU µs/req",
};

function formatValue(metric: Metric, value: number): string {
  if (Number.isNaN(value)) return "-";
  if (metric === "rps") return value.toFixed(0);
  if (metric === "cpu") return value.toFixed(1);
  return value.toFixed(3);
}

export interface TableRow {
  scenario: string;
  metric: string;
  etcd: string;
  tetcd: string;
  ratio: string;
}

export function tableRows(
  list: Scenario[],
  results: Map<string, Map<ServerKind, RunFigures[]>>,
): TableRow[] {
  const rows: TableRow[] = [];
  for (const scenario of list) {
    const byKind = results.get(scenario.id);
    if (byKind === undefined) continue;
    for (const metric of scenario.metrics) {
      const value = (kind: ServerKind): number => median((byKind.get(kind) ?? []).map((run) => run[metric]));
      const etcd = value("etcd");
      const tetcd = value("tetcd");
      const ratio = tetcd / etcd;
      rows.push({
        scenario: scenario.title,
        metric: METRIC_LABEL[metric],
        etcd: formatValue(metric, etcd),
        tetcd: formatValue(metric, tetcd),
        ratio: Number.isFinite(ratio) ? ratio.toFixed(2) : "-",
      });
    }
  }
  return rows;
}

export function formatTable(rows: TableRow[]): string {
  const header: TableRow = { scenario: "scenario", metric: "metric", etcd: "etcd", tetcd: "tetcd", ratio: "tetcd/etcd" };
  const all = [header, ...rows];
  const width = (key: keyof TableRow): number => Math.max(...all.map((row) => row[key].length));
  const line = (row: TableRow): string =>
    [
      row.scenario.padEnd(width("scenario")),
      row.metric.padEnd(width("metric")),
      row.etcd.padStart(width("etcd")),
      row.tetcd.padStart(width("tetcd")),
      row.ratio.padStart(width("ratio")),
    ].join("  ");
  const rule = "-".repeat(line(header).length);
  return [line(header), rule, ...rows.map(line)].join("\n");
}

async function measure(cluster: Cluster, scenario: Scenario, workers: number): Promise<RunFigures> {
  await cluster.resume();
  try {
    const endpoints = scenario.target === "all" ? cluster.endpoints : [await cluster.leaderEndpoint()];
    const cpuBefore = cpuMicros(cluster.pids());
    const load = scenario.load;
    const result =
      "api" in load
        ? await runV2Load({ ...load, endpoint: endpoints[0] })
        : await runUnaryLoad({ ...load, endpoints, workers });
    return figures(result, cpuMicros(cluster.pids()) - cpuBefore);
  } finally {
    cluster.pause();
  }
}

/** Warms the server (and the JIT, for tetcd) and writes the keys the range scenarios read. */
async function prepare(cluster: Cluster, durations: Durations, workers: number): Promise<void> {
  await cluster.resume();
  try {
    const endpoints = [await cluster.leaderEndpoint()];
    await runUnaryLoad({
      ...BASE,
      op: "put",
      endpoints,
      conns: 10,
      clients: 100,
      durationMs: durations.warmupMs,
      keySpace: 100_000,
      workers,
    });
    const preload = await runUnaryLoad({
      ...BASE,
      op: "put",
      endpoints,
      conns: 10,
      clients: 100,
      total: RANGE_KEYS,
      keySpace: RANGE_KEYS,
      sequentialKeys: true,
      workers: 1,
    });
    if (preload.errors > 0) throw new Error(`preloading range keys failed: ${preload.firstError}`);
    await preloadV2(endpoints[0], V2_KEYS, BASE.valSize);
  } finally {
    cluster.pause();
  }
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      cluster: { type: "boolean", default: false },
      rounds: { type: "string" },
      servers: { type: "string", default: "etcd,tetcd" },
      workers: { type: "string", default: "1" },
      rows: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const durations = values.quick ? QUICK : FULL;
  const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));
  const workers = Number(values.workers);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds must be a positive integer");
  if (!Number.isInteger(workers) || workers < 1) throw new Error("--workers must be a positive integer");
  const size = values.cluster ? 3 : 1;
  const all = scenarios(durations);
  const wanted = values.rows?.split(",");
  const unknown = wanted?.filter((id) => !all.some((scenario) => scenario.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown row(s): ${unknown.join(", ")}`);
  const list = all.filter((scenario) => (values.cluster || !scenario.clusterOnly) && (wanted === undefined || wanted.includes(scenario.id)));

  const benchDir = mkdtempSync(path.join(os.tmpdir(), "tetcd-bench-"));
  const cleanUp = (): void => {
    killAllServers();
    rmSync(benchDir, { recursive: true, force: true });
  };
  process.on("exit", cleanUp);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      log(`\n${signal}: stopping servers`);
      process.exit(130);
    });
  }

  const clusters: Cluster[] = [];
  for (const kind of values.servers.split(",") as ServerKind[]) {
    if (kind !== "etcd" && kind !== "tetcd") throw new Error(`unknown server ${kind}`);
    const command = serverCommand(kind);
    if ("unavailable" in command) {
      log(`skipping ${kind}: ${command.unavailable}`);
      continue;
    }
    const workDir = path.join(benchDir, kind);
    mkdirSync(workDir);
    try {
      log(`starting ${size} ${kind} member(s)`);
      const cluster = await startCluster(kind, size, { workDir });
      cluster.pause();
      clusters.push(cluster);
    } catch (error) {
      log(`skipping ${kind}: ${(error as Error).message}`);
    }
  }
  if (clusters.length === 0) throw new Error("no server could be started");

  // A server that crashes or stops answering is dropped, so that the other's figures are still reported.
  const failed = new Set<Cluster>();
  const guarded = async (cluster: Cluster, what: string, step: () => Promise<void>): Promise<void> => {
    if (failed.has(cluster)) return;
    try {
      await step();
    } catch (error) {
      log(`${cluster.kind} failed during ${what}, dropping it: ${(error as Error).message}`);
      failed.add(cluster);
      await cluster.stop();
    }
  };

  for (const cluster of clusters) {
    log(`warming up ${cluster.kind}`);
    await guarded(cluster, "warm-up", () => prepare(cluster, durations, workers));
  }

  const results = new Map<string, Map<ServerKind, RunFigures[]>>();
  for (let round = 1; round <= rounds; round++) {
    for (const scenario of list) {
      const byKind = results.get(scenario.id) ?? new Map<ServerKind, RunFigures[]>();
      results.set(scenario.id, byKind);
      for (const cluster of clusters) {
        await guarded(cluster, scenario.id, async () => {
          const run = await measure(cluster, scenario, workers);
          byKind.set(cluster.kind, [...(byKind.get(cluster.kind) ?? []), run]);
          log(
            `round ${round}/${rounds} ${cluster.kind} ${scenario.id}: ${run.rps.toFixed(0)} req/s, ` +
              `p50 ${run.p50.toFixed(3)} ms, p99 ${run.p99.toFixed(3)} ms, ${run.cpu.toFixed(1)} µs CPU/req, ` +
              `client ${run.clientCores.toFixed(2)} cores` +
              (run.errors > 0 ? `, ${run.errors} errors (${run.firstError})` : ""),
          );
        });
      }
    }
  }
  await Promise.all(clusters.filter((cluster) => !failed.has(cluster)).map((cluster) => cluster.stop()));

  const rows = tableRows(list, results);
  if (values.json) {
    const raw = Object.fromEntries([...results].map(([id, byKind]) => [id, Object.fromEntries(byKind)]));
    console.log(JSON.stringify({ members: size, rounds, quick: values.quick, rows, runs: raw }, null, 2));
  } else {
    console.log(`\n${size === 1 ? "single member" : `${size}-member clusters`}, median of ${rounds} round(s)\n`);
    console.log(formatTable(rows));
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
