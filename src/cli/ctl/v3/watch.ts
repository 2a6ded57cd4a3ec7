// watch: prints events on a key or range until interrupted; `-i` reads watch lines from stdin; `-- cmd args` runs a
// command per event with ETCD_WATCH_* in its environment.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { Command } from 'commander';
import type { WatchResponse } from '../../../gen/etcdserverpb/rpc';
import { Event_EventType } from '../../../gen/mvccpb/kv';
import { Connection, describeGrpcError } from '../connection';
import { globalsOf, intFlag, printerOf, type CtlContext } from '../context';
import { CtlError, ExitCode, badArgs } from '../errors';
import { goQuote } from '../go-format';
import type { Printer } from '../printers';
import { prefixEnd } from '../../../mvcc/key-range';
import { argify } from './txn-parse';

interface WatchSpec {
  key: Buffer;
  rangeEnd: Buffer;
  startRevision: bigint;
  prevKv: boolean;
}

function watchSpec(args: string[], flags: { prefix?: boolean; rev?: string; prevKv?: boolean }): WatchSpec {
  if (args.length < 1 || args.length > 2) throw badArgs('bad number of arguments');
  if (args.length === 2 && flags.prefix) throw badArgs('`range_end` and `--prefix` are mutually exclusive');
  const key = Buffer.from(args[0]);
  let rangeEnd: Buffer = args.length === 2 ? Buffer.from(args[1]) : Buffer.alloc(0);
  if (flags.prefix) rangeEnd = key.length === 0 ? Buffer.from([0]) : prefixEnd(key);
  return {
    key: flags.prefix && key.length === 0 ? Buffer.from([0]) : key,
    rangeEnd,
    startRevision: intFlag(flags.rev, 'rev'),
    prevKv: flags.prevKv === true,
  };
}

/**
 * Runs one watcher until the server cancels it or the user interrupts; resolves with why it ended, or rejects when
 * handling a response failed (e.g. the exec command exited non-zero).
 */
function runWatch(
  ctx: CtlContext,
  conn: Connection,
  spec: WatchSpec,
  onResponse: (r: WatchResponse) => Promise<void>,
): Promise<'canceled' | 'interrupted' | 'failed'> {
  return new Promise((resolve, reject) => {
    const md = conn.callMetadata();
    // Like clientv3.WithRequireLeader: the server ends the stream when it loses its leader.
    md.set('hasleader', 'true');
    const stream = conn.watch.watch(md);
    // Responses are handled one at a time, in order, even when handling waits for a child process.
    let chain = Promise.resolve();
    let done = false;
    const finish = (why: 'canceled' | 'interrupted' | 'failed'): void => {
      if (done) return;
      done = true;
      stream.cancel();
      chain.then(() => resolve(why), reject);
    };
    stream.on('data', (r: WatchResponse) => {
      if (r.created && r.events.length === 0 && !r.canceled) return;
      chain = chain.then(() => onResponse(r));
      chain.catch((err) => {
        if (done) return;
        done = true;
        stream.cancel();
        reject(err);
      });
      if (r.canceled) finish('canceled');
    });
    stream.on('error', (err) => {
      if (!done && conn.opts.debug) ctx.output.err(`watch stream error: ${describeGrpcError(err)}\n`);
      finish('failed');
    });
    stream.on('end', () => finish('failed'));
    void ctx.interrupted.then(() => finish('interrupted'));
    stream.write({
      createRequest: {
        key: spec.key,
        rangeEnd: spec.rangeEnd,
        startRevision: spec.startRevision,
        progressNotify: false,
        filters: [],
        prevKv: spec.prevKv,
        watchId: 0n,
        fragment: false,
      },
    });
  });
}

function responseHandler(ctx: CtlContext, printer: Printer, execArgs: string[]): (r: WatchResponse) => Promise<void> {
  return async (r) => {
    if (r.canceled) {
      const reason = r.compactRevision > 0n ? 'mvcc: required revision has been compacted' : r.cancelReason;
      ctx.output.err(`watch was canceled (${reason})\n`);
    }
    printer.watch(r);
    if (execArgs.length === 0) return;
    for (const ev of r.events) {
      const env = {
        ...ctx.env,
        ETCD_WATCH_REVISION: String(r.header?.revision ?? 0n),
        ETCD_WATCH_EVENT_TYPE: goQuote(ev.type === Event_EventType.DELETE ? 'DELETE' : 'PUT'),
        ETCD_WATCH_KEY: goQuote(ev.kv?.key ?? Buffer.alloc(0)),
        ETCD_WATCH_VALUE: goQuote(ev.kv?.value ?? Buffer.alloc(0)),
      };
      const code = await new Promise<number>((resolve) => {
        const child = spawn(execArgs[0], execArgs.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (d: Buffer) => ctx.output.raw(d));
        child.stderr.on('data', (d: Buffer) => ctx.output.err(d.toString()));
        child.on('error', () => resolve(-1));
        child.on('close', (c) => resolve(c ?? -1));
      });
      if (code !== 0) {
        throw new CtlError(ExitCode.error, `command [${execArgs.map((a) => goQuote(a)).join(' ')}] error (exit status ${code})`);
      }
    }
  };
}

export function registerWatch(program: Command, ctx: CtlContext): void {
  program
    .command('watch')
    .usage('[options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]')
    .description('Watches events stream on keys or prefixes')
    .argument('[args...]')
    .option('-i, --interactive', 'Interactive mode')
    .option('--prefix', 'Watch on a prefix if prefix is set')
    .option('--rev <revision>', 'Revision to start watching', '0')
    .option('--prev-kv', 'get the previous key-value pair before the event happens')
    .action(async (args: string[], flags, cmd: Command) => {
      const g = globalsOf(cmd, ctx);
      const printer = printerOf(cmd, ctx);
      if (flags.interactive) {
        if (args.length > 0 || ctx.execArgs.length > 0) throw badArgs('watch in interactive mode does not take arguments');
        await interactive(ctx, cmd, printer);
        return;
      }
      const spec = watchSpec(args, flags);
      const conn = await Connection.open(g);
      try {
        const why = await runWatch(ctx, conn, spec, responseHandler(ctx, printer, ctx.execArgs));
        if (why !== 'interrupted') throw new CtlError(ExitCode.interrupted, 'watch is canceled by the server');
      } finally {
        conn.close();
      }
    });
}

/** `watch -i`: each stdin line "watch [options] key [range_end] [-- cmd args]" starts another watcher. */
async function interactive(ctx: CtlContext, cmd: Command, printer: Printer): Promise<void> {
  const conn = await Connection.open(globalsOf(cmd, ctx));
  const watchers: Promise<unknown>[] = [];
  try {
    const lines = readline.createInterface({ input: ctx.stdin, terminal: false });
    for await (const line of lines) {
      const words = argify(line);
      if (words.length < 1) {
        ctx.output.err(`Invalid command: ${line} (watch and progress supported)\n`);
        continue;
      }
      if (words[0] !== 'watch') {
        ctx.output.err(`Invalid command ${line} (only support watch)\n`);
        continue;
      }
      const dash = words.indexOf('--');
      const watchWords = dash < 0 ? words.slice(1) : words.slice(1, dash);
      const execArgs = dash < 0 ? [] : words.slice(dash + 1);
      const flags: { prefix?: boolean; rev?: string; prevKv?: boolean } = {};
      const args: string[] = [];
      for (let i = 0; i < watchWords.length; i++) {
        const w = watchWords[i];
        if (w === '--prefix') flags.prefix = true;
        else if (w === '--prev-kv') flags.prevKv = true;
        else if (w === '--rev') flags.rev = watchWords[++i];
        else if (w.startsWith('--rev=')) flags.rev = w.slice(6);
        else args.push(w);
      }
      if (args.length < 1) {
        ctx.output.err(`Invalid command ${line} (command type or key is not provided)\n`);
        continue;
      }
      let spec: WatchSpec;
      try {
        spec = watchSpec(args, flags);
      } catch (err) {
        ctx.output.err(`Invalid command ${line} (${(err as Error).message})\n`);
        continue;
      }
      watchers.push(runWatch(ctx, conn, spec, responseHandler(ctx, printer, execArgs)));
    }
    // Like etcdctl, the end of input ends the command (the watchers stop with it) unless interrupted first.
    const stopped = await Promise.race([ctx.interrupted.then(() => true), Promise.resolve(false)]);
    if (!stopped) throw new CtlError(ExitCode.invalidInput, 'Error reading watch request line: EOF');
    await Promise.all(watchers);
  } finally {
    conn.close();
  }
}
