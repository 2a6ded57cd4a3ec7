/**
 * v2 HTTP API load (PUT and GET of /v2/keys/...) with autocannon, for `npm run bench` and on its own:
 *
 *   node dist/bench/v2.js put|get --endpoint 127.0.0.1:2379 [--connections 50] [--duration 5] [--key-space 1000]
 *
 * Keys are bench/v2/<index>, zero-padded like the v3 load's keys; values are deterministic pseudo-random printable
 * text of --val-size bytes, form-encoded as etcdctl and curl send them. GET reads keys preloadV2 wrote.
 */
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { LoadResult } from "./load";

export type V2Op = "put" | "get";

export interface V2LoadOptions {
  op: V2Op;
  /** host:port of the member to load. */
  endpoint: string;
  connections: number;
  durationMs: number;
  keySpace: number;
  valSize: number;
}

function keyPath(index: number): string {
  return `/v2/keys/bench/v2/${String(index).padStart(8, "0")}`;
}

/** A printable value that LevelDB's block compression cannot shrink to nothing. */
function valueOf(index: number, size: number): string {
  let seed = (index * 2654435761) >>> 0;
  let out = "";
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out += String.fromCharCode(97 + (seed >>> 16) % 26);
  }
  return out;
}

function formBody(index: number, size: number): string {
  return `value=${valueOf(index, size)}`;
}

/** Runs `op` closed-loop on `connections` HTTP/1.1 keep-alive connections (one request in flight on each). */
export async function runV2Load(options: V2LoadOptions): Promise<LoadResult> {
  // Bodies are built once: the generator shares the machine with the server and should spend nothing per request.
  const bodies = Array.from({ length: Math.min(options.keySpace, 1_000) }, (_, i) => formBody(i, options.valSize));
  let next = 0;
  const request: autocannon.Request =
    options.op === "put"
      ? {
          method: "PUT",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          setupRequest: (req) => {
            const index = Math.floor(Math.random() * options.keySpace);
            return { ...req, path: keyPath(index), body: bodies[index % bodies.length] };
          },
        }
      : {
          method: "GET",
          setupRequest: (req) => ({ ...req, path: keyPath(next++ % options.keySpace) }),
        };
  let firstError: string | undefined;
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await autocannon({
    url: `http://${options.endpoint}`,
    connections: options.connections,
    duration: options.durationMs / 1_000,
    requests: [
      {
        ...request,
        onResponse: (status, body) => {
          if (firstError === undefined && (status < 200 || status > 299)) firstError = `HTTP ${status}: ${body.slice(0, 200)}`;
        },
      },
    ],
  });
  const wallMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMicros = cpu.user + cpu.system;
  const succeeded = result["2xx"];
  return {
    op: options.op === "put" ? "put" : "range",
    requests: succeeded,
    errors: result.non2xx + result.errors,
    firstError: firstError ?? (result.errors > 0 ? `${result.errors} connection errors (${result.timeouts} timeouts)` : undefined),
    elapsedMs: result.duration * 1_000,
    requestsPerSec: succeeded / result.duration,
    latency: {
      count: succeeded,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    clientCpuMicrosPerOp: succeeded > 0 ? cpuMicros / succeeded : NaN,
    clientCpuCores: cpuMicros / 1_000 / wallMs,
  };
}

/** Writes every key GET reads, `parallel` at a time. */
export async function preloadV2(endpoint: string, keySpace: number, valSize: number, parallel = 50): Promise<void> {
  let next = 0;
  const writer = async (): Promise<void> => {
    while (next < keySpace) {
      const index = next++;
      const res = await fetch(`http://${endpoint}${keyPath(index)}`, {
        method: "PUT",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: formBody(index, valSize),
      });
      const text = await res.text();
      if (res.status !== 200 && res.status !== 201) throw new Error(`v2 preload of key ${index} answered ${res.status}: ${text}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, writer));
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      endpoint: { type: "string", default: "127.0.0.1:2379" },
      connections: { type: "string", default: "50" },
      duration: { type: "string", default: "5" },
      "key-space": { type: "string", default: "1000" },
      "val-size": { type: "string", default: "256" },
      json: { type: "boolean", default: false },
    },
  });
  const op = positionals[0];
  if (op !== "put" && op !== "get") throw new Error("usage: v2 put|get [--endpoint host:port] [--connections N] [--duration s]");
  const options: V2LoadOptions = {
    op,
    endpoint: values.endpoint,
    connections: Number(values.connections),
    durationMs: Number(values.duration) * 1_000,
    keySpace: Number(values["key-space"]),
    valSize: Number(values["val-size"]),
  };
  if (op === "get") await preloadV2(options.endpoint, options.keySpace, options.valSize);
  const result = await runV2Load(options);
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(
    `v2 ${op}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
      `${result.errors} errors${result.firstError ? ` (${result.firstError})` : ""}, client ${result.clientCpuCores.toFixed(2)} cores`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
