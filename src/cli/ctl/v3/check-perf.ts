// check perf: writes at a fixed rate from many clients for a minute, then judges throughput and latency with
// etcdctl's thresholds and prints its PASS/FAIL lines.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { DeleteRangeResponse, RangeResponse } from '../../../gen/etcdserverpb/rpc';
import { Connection, describeGrpcError, grpcError } from '../connection';
import { globalsOf, type CtlContext } from '../context';
import { CtlError, ExitCode } from '../errors';
import { deleteRequest, rangeRequest } from './kv-requests';

interface Load {
  limit: number;
  clients: number;
  durationSec: number;
}

const LOADS: Record<string, Load> = {
  s: { limit: 150, clients: 50, durationSec: 60 },
  m: { limit: 1000, clients: 200, durationSec: 60 },
  l: { limit: 8000, clients: 500, durationSec: 60 },
  xl: { limit: 15000, clients: 1000, durationSec: 60 },
};

const ALIASES: Record<string, string> = { s: 's', small: 's', m: 'm', medium: 'm', l: 'l', large: 'l', xl: 'xl', xLarge: 'xl' };

/** gRPC channels multiplex; a handful carries all the simulated clients. */
const MAX_CHANNELS = 8;

export interface PerfStats {
  /** Seconds per request. */
  latencies: number[];
  errors: Map<string, number>;
  elapsedSec: number;
}

/** etcdctl's verdict lines for a run at `limit` writes/s; `ok` false means FAIL. */
export function perfVerdict(s: PerfStats, limit: number): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let ok = true;
  if (s.errors.size > 0) {
    lines.push('FAIL: too many errors');
    for (const [k, v] of s.errors) lines.push(`FAIL: ERROR(${k}) -> ${v}`);
    ok = false;
  }
  const rps = s.elapsedSec > 0 ? s.latencies.length / s.elapsedSec : 0;
  if (rps / limit <= 0.9) {
    lines.push(`FAIL: Throughput too low: ${Math.floor(rps) + 1} writes/s`);
    ok = false;
  } else {
    lines.push(`PASS: Throughput is ${Math.floor(rps) + 1} writes/s`);
  }
  const slowest = s.latencies.reduce((a, b) => Math.max(a, b), 0);
  if (slowest > 0.5) {
    lines.push(`Slowest request took too long: ${slowest.toFixed(6)}s`);
    ok = false;
  } else {
    lines.push(`PASS: Slowest request took ${slowest.toFixed(6)}s`);
  }
  const n = s.latencies.length;
  const mean = n > 0 ? s.latencies.reduce((a, b) => a + b, 0) / n : 0;
  const stddev = n > 0 ? Math.sqrt(s.latencies.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : 0;
  if (stddev > 0.1) {
    lines.push(`Stddev too high: ${stddev.toFixed(6)}s`);
    ok = false;
  } else {
    lines.push(`PASS: Stddev is ${stddev.toFixed(6)}s`);
  }
  lines.push(ok ? 'PASS' : 'FAIL');
  return { lines, ok };
}

export function registerCheck(program: Command, ctx: CtlContext): void {
  const check = program.command('check').description('commands for checking properties of the etcd cluster').usage('<subcommand>');
  check
    .command('perf')
    .usage('[options]')
    .description('Check the performance of the etcd cluster')
    .option('--load <load>', 'The performance check\'s workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)', 's')
    .option('--prefix <prefix>', 'The prefix for writing the performance check\'s keys.', '/etcdctl-check-perf/')
    .option('--auto-compact', 'Compact storage with last revision after test is finished.')
    .option('--auto-defrag', 'Defragment storage after test is finished.')
    .action(async (flags, cmd: Command) => {
      const model = ALIASES[flags.load as string];
      if (!model) throw new CtlError(ExitCode.badFeature, `unknown load option ${flags.load}`);
      const load = LOADS[model];
      const g = globalsOf(cmd, ctx);
      const channels: Connection[] = [];
      try {
        for (let i = 0; i < Math.min(load.clients, MAX_CHANNELS); i++) channels.push(await Connection.open(g));
        const first = channels[0];
        const existing = await first
          .unary<RangeResponse>((md, o, cb) => first.kv.range({ ...rangeRequest([flags.prefix], { prefix: true }), limit: 1n }, md, o, cb))
          .catch((e) => Promise.reject(grpcError(e)));
        if (existing.kvs.length > 0) {
          throw new CtlError(
            ExitCode.invalidInput,
            `prefix "${flags.prefix}" has keys. Delete with etcdctl del --prefix ${flags.prefix} first`,
          );
        }
        const stats = await runLoad(ctx, channels, load, flags.prefix as string);
        const deleted = await first
          .unary<DeleteRangeResponse>((md, o, cb) => first.kv.deleteRange(deleteRequest([flags.prefix], { prefix: true }), md, o, cb), 30000)
          .catch((e) => Promise.reject(grpcError(e)));
        if (flags.autoCompact) {
          const rev = deleted.header?.revision ?? 0n;
          ctx.output.out(`Compacting with revision ${rev}\n`);
          await first.unary((md, o, cb) => first.kv.compact({ revision: rev, physical: true }, md, o, cb), 30000).catch((e) => Promise.reject(grpcError(e)));
          ctx.output.out(`Compacted with revision ${rev}\n`);
        }
        if (flags.autoDefrag) {
          ctx.output.out(`Defragmenting "${first.endpoint}"\n`);
          await first.unary((md, o, cb) => first.maintenance.defragment({}, md, o, cb), 30000).catch((e) => Promise.reject(grpcError(e)));
          ctx.output.out(`Defragmented "${first.endpoint}"\n`);
        }
        const verdict = perfVerdict(stats, load.limit);
        ctx.output.out(verdict.lines.join('\n') + '\n');
        // The FAIL line said it all; only the exit status is left, as with etcdctl.
        if (!verdict.ok) throw new CtlError(ExitCode.error, '');
      } finally {
        for (const c of channels) c.close();
      }
    });
}

/** Issues puts at `load.limit` per second with at most `load.clients` in flight, for the load's duration. */
async function runLoad(ctx: CtlContext, channels: Connection[], load: Load, prefix: string): Promise<PerfStats> {
  const value = Buffer.alloc(1024);
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const start = Date.now();
  const end = start + load.durationSec * 1000;
  let issued = 0;
  let inFlight = 0;
  const inFlightDone: Promise<void>[] = [];
  const showProgress = process.stderr.isTTY === true;
  while (Date.now() < end) {
    // Rate limit: by now `elapsed * limit` requests may have started.
    const due = Math.floor(((Date.now() - start) / 1000) * load.limit) + 1;
    while (issued < due && inFlight < load.clients) {
      const conn = channels[issued % channels.length];
      const key = Buffer.concat([Buffer.from(prefix), randomBytes(8)]);
      const t0 = process.hrtime.bigint();
      inFlight++;
      issued++;
      inFlightDone.push(
        conn
          .unary((md, o, cb) => conn.kv.put({ key, value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false }, md, o, cb), 0)
          .then(
            () => void latencies.push(Number(process.hrtime.bigint() - t0) / 1e9),
            (err) => {
              const why = describeGrpcError(err);
              errors.set(why, (errors.get(why) ?? 0) + 1);
            },
          )
          .finally(() => inFlight--),
      );
    }
    if (showProgress) ctx.output.err(`\r${Math.floor((Date.now() - start) / 1000)} / ${load.durationSec} s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inFlightDone);
  if (showProgress) ctx.output.err('\n');
  return { latencies, errors, elapsedSec: (Date.now() - start) / 1000 };
}
