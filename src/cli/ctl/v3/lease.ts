// lease grant | revoke | timetolive | list | keep-alive.
import type { Command } from 'commander';
import type {
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveResponse,
} from '../../../gen/etcdserverpb/rpc';
import { grpcError, type Connection } from '../connection';
import { printerOf, withConnection, type CtlContext } from '../context';
import { badArgs, CtlError, ExitCode } from '../errors';
import { hex16 } from '../go-format';
import type { Printer } from '../printers';

function leaseId(arg: string): bigint {
  if (!/^[+-]?[0-9a-fA-F]+$/.test(arg)) {
    throw badArgs(`bad lease ID arg (strconv.ParseInt: parsing "${arg}": invalid syntax), expecting ID in Hex`);
  }
  const negative = arg.startsWith('-');
  const id = BigInt('0x' + arg.replace(/^[+-]/, '')) * (negative ? -1n : 1n);
  if (id !== BigInt.asIntN(64, id)) {
    throw badArgs(`bad lease ID arg (strconv.ParseInt: parsing "${arg}": value out of range), expecting ID in Hex`);
  }
  return id;
}

export function registerLease(program: Command, ctx: CtlContext): void {
  const lease = program.command('lease').description('Lease related commands').usage('<subcommand>');

  lease
    .command('grant')
    .usage('<ttl>')
    .description('Creates leases')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('lease grant command needs TTL argument');
      if (!/^[+-]?\d+$/.test(args[0])) throw badArgs(`bad TTL (strconv.ParseInt: parsing "${args[0]}": invalid syntax)`);
      const TTL = BigInt(args[0]);
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c.unary<LeaseGrantResponse>((md, o, cb) => c.lease.leaseGrant({ TTL, ID: 0n }, md, o, cb)),
      ).catch((e) => Promise.reject(grpcError(e, ExitCode.error, (m) => `failed to grant lease (${m})`)));
      printer.grant(res);
    });

  lease
    .command('revoke')
    .usage('<leaseID>')
    .description('Revokes leases')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('lease revoke command needs 1 argument');
      const ID = leaseId(args[0]);
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c.unary<LeaseRevokeResponse>((md, o, cb) => c.lease.leaseRevoke({ ID }, md, o, cb)),
      ).catch((e) => Promise.reject(grpcError(e, ExitCode.error, (m) => `failed to revoke lease (${m})`)));
      printer.revoke(ID, res);
    });

  lease
    .command('timetolive')
    .usage('<leaseID> [options]')
    .description('Get lease information')
    .argument('[args...]')
    .option('--keys', 'Get keys attached to this lease')
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('lease timetolive command needs lease ID as argument');
      const ID = leaseId(args[0]);
      const keys = flags.keys === true;
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c
          .unary<LeaseTimeToLiveResponse>((md, o, cb) => c.lease.leaseTimeToLive({ ID, keys }, md, o, cb))
          .catch((e) => Promise.reject(grpcError(e, ExitCode.badConnection))),
      );
      printer.timeToLive(res, keys);
    });

  lease
    .command('list')
    .description('List all active leases')
    .action(async (_flags, cmd: Command) => {
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c
          .unary<LeaseLeasesResponse>((md, o, cb) => c.lease.leaseLeases({}, md, o, cb))
          .catch((e) => Promise.reject(grpcError(e, ExitCode.badConnection))),
      );
      printer.leases(res);
    });

  lease
    .command('keep-alive')
    .usage('[options] <leaseID>')
    .description('Keeps leases alive (renew)')
    .argument('[args...]')
    .option('--once', 'Resets the keep-alive time to its original value and exits immediately')
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('lease keep-alive command needs lease ID as argument');
      const ID = leaseId(args[0]);
      const printer = printerOf(cmd, ctx);
      await withConnection(cmd, ctx, (c) => keepAlive(ctx, c, printer, ID, flags.once === true));
    });
}

/** Renews the lease at a third of its TTL, printing each answer, until it expires, is revoked or we are stopped. */
function keepAlive(ctx: CtlContext, conn: Connection, printer: Printer, ID: bigint, once: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = conn.lease.leaseKeepAlive(conn.callMetadata());
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (err?: CtlError): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      stream.cancel();
      if (err) reject(err);
      else resolve();
    };
    const send = (): void => {
      stream.write({ ID });
    };
    stream.on('data', (r: LeaseKeepAliveResponse) => {
      if (r.TTL <= 0n) {
        if (once) {
          finish(new CtlError(ExitCode.badConnection, 'etcdserver: requested lease not found'));
          return;
        }
        ctx.output.out(`lease ${hex16(ID)} expired or revoked.\n`);
        finish();
        return;
      }
      printer.keepAlive(r);
      if (once) {
        finish();
        return;
      }
      timer = setTimeout(send, Math.max(500, (Number(r.TTL) * 1000) / 3));
    });
    stream.on('error', (err) => finish(grpcError(err, ExitCode.badConnection)));
    stream.on('end', () => finish());
    void ctx.interrupted.then(() => finish());
    send();
  });
}
