// lock and elect, on the v3lock and v3election services with a session lease.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { RangeResponse } from '../../../gen/etcdserverpb/rpc';
import type { CampaignResponse, LeaderResponse } from '../../../gen/v3electionpb/v3election';
import type { LockResponse } from '../../../gen/v3lockpb/v3lock';
import { grpcError, type Connection } from '../connection';
import { intFlag, printerOf, withConnection, type CtlContext } from '../context';
import { badArgs, CtlError, ExitCode } from '../errors';
import type { Printer } from '../printers';
import { rangeRequest } from './kv-requests';
import { Session } from './session';

const DEFAULT_SESSION_TTL = 60;

async function printKey(conn: Connection, printer: Printer, key: Buffer): Promise<void> {
  const res = await conn
    .unary<RangeResponse>((md, o, cb) => conn.kv.range(rangeRequest([key.toString('latin1')], {}), md, o, cb))
    .catch((e) => Promise.reject(grpcError(e)));
  if (res.kvs.length === 0) throw new CtlError(ExitCode.error, 'lock lost on init');
  printer.get(res);
}

/** Waits for an interrupt, or fails when the session's lease is lost first. */
async function holdUntilInterrupted(ctx: CtlContext, session: Session, lostMessage: string): Promise<void> {
  const outcome = await Promise.race([ctx.interrupted.then(() => 'interrupted'), session.lost.then(() => 'lost')]);
  if (outcome === 'lost') throw new CtlError(ExitCode.error, lostMessage);
}

export function registerConcurrency(program: Command, ctx: CtlContext): void {
  program
    .command('lock')
    .usage('<lockname> [exec-command arg1 arg2 ...]')
    .description('Acquires a named lock')
    .argument('[args...]')
    .option('--ttl <seconds>', 'timeout for session', String(DEFAULT_SESSION_TTL))
    .action(async (args: string[], flags, cmd: Command) => {
      const command = [...args.slice(1), ...ctx.execArgs];
      if (args.length < 1) throw badArgs('lock takes a lock name argument and an optional command to execute');
      const ttl = Number(intFlag(flags.ttl, 'ttl'));
      const printer = printerOf(cmd, ctx);
      await withConnection(cmd, ctx, async (conn) => {
        const session = await Session.create(conn, ttl);
        try {
          // Lock blocks until the lock is ours; an interrupt while waiting gives up.
          const locked = await new Promise<LockResponse | undefined>((resolve, reject) => {
            const call = conn.lock.lock({ name: Buffer.from(args[0]), lease: session.leaseId }, conn.callMetadata(), {}, (err, res) =>
              err ? reject(grpcError(err)) : resolve(res),
            );
            void ctx.interrupted.then(() => {
              call.cancel();
              resolve(undefined);
            });
          });
          if (!locked) return;
          try {
            if (command.length > 0) {
              await runWithLock(ctx, command, locked);
              return;
            }
            await printKey(conn, printer, locked.key);
            await holdUntilInterrupted(ctx, session, 'session expired');
          } finally {
            await conn.unary((md, o, cb) => conn.lock.unlock({ key: locked.key }, md, o, cb)).catch(() => undefined);
          }
        } finally {
          await session.close();
        }
      });
    });

  program
    .command('elect')
    .usage('<election-name> [proposal]')
    .description('Observes and participates in leader election')
    .argument('[args...]')
    .option('-l, --listen', 'observation mode')
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length !== 1 && args.length !== 2) {
        throw badArgs('elect takes one election name argument and an optional proposal argument');
      }
      if (!flags.listen && args.length === 1) throw badArgs('no proposal argument but -l not set');
      if (flags.listen && args.length === 2) throw badArgs('proposal given but -l is set');
      const printer = printerOf(cmd, ctx);
      const name = Buffer.from(args[0]);
      await withConnection(cmd, ctx, (conn) =>
        flags.listen ? observe(ctx, conn, printer, name) : campaign(ctx, conn, printer, name, Buffer.from(args[1])),
      );
    });
}

async function runWithLock(ctx: CtlContext, command: string[], locked: LockResponse): Promise<void> {
  const env = {
    ...ctx.env,
    ETCD_LOCK_KEY: locked.key.toString('latin1'),
    ETCD_LOCK_REV: String(locked.header?.revision ?? 0n),
  };
  const code = await new Promise<number>((resolve) => {
    const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => ctx.output.raw(d));
    child.stderr.on('data', (d: Buffer) => ctx.output.err(d.toString()));
    child.on('error', () => resolve(-1));
    child.on('close', (c) => resolve(c ?? -1));
  });
  if (code !== 0) throw new CtlError(ExitCode.error, `exit status ${code}`);
}

async function campaign(ctx: CtlContext, conn: Connection, printer: Printer, name: Buffer, value: Buffer): Promise<void> {
  const session = await Session.create(conn, DEFAULT_SESSION_TTL);
  try {
    const won = await new Promise<CampaignResponse | undefined>((resolve, reject) => {
      const call = conn.election.campaign({ name, lease: session.leaseId, value }, conn.callMetadata(), {}, (err, res) =>
        err ? reject(grpcError(err)) : resolve(res),
      );
      void ctx.interrupted.then(() => {
        call.cancel();
        resolve(undefined);
      });
    });
    if (!won?.leader) return;
    await printKey(conn, printer, won.leader.key);
    await holdUntilInterrupted(ctx, session, 'elect: session expired');
    await conn.unary((md, o, cb) => conn.election.resign({ leader: won.leader }, md, o, cb)).catch(() => undefined);
  } finally {
    await session.close();
  }
}

function observe(ctx: CtlContext, conn: Connection, printer: Printer, name: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = conn.election.observe({ name }, conn.callMetadata());
    let stopped = false;
    stream.on('data', (r: LeaderResponse) => {
      if (!r.kv) return;
      printer.get({ header: r.header, kvs: [r.kv], more: false, count: 1n });
    });
    stream.on('error', () => {
      if (!stopped) reject(new CtlError(ExitCode.error, 'elect: observer lost'));
    });
    stream.on('end', () => {
      if (!stopped) reject(new CtlError(ExitCode.error, 'elect: observer lost'));
    });
    void ctx.interrupted.then(() => {
      stopped = true;
      stream.cancel();
      resolve();
    });
  });
}
