// alarm list | disarm, defrag and move-leader.
import type { Command } from 'commander';
import { AlarmRequest_AlarmAction, AlarmType, type AlarmResponse, type StatusResponse } from '../../../gen/etcdserverpb/rpc';
import { describeGrpcError, grpcError } from '../connection';
import { globalsOf, printerOf, withConnection, type CtlContext } from '../context';
import { badArgs, CtlError, ExitCode } from '../errors';
import { onEndpoint, targetEndpoints } from './endpoints';
import { memberIdArg } from './ids';

export function registerMaintenance(program: Command, ctx: CtlContext): void {
  const alarm = program.command('alarm').description('Alarm related commands').usage('<subcommand>');

  alarm
    .command('list')
    .description('Lists all alarms')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 0) throw badArgs('alarm list command accepts no arguments');
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c
          .unary<AlarmResponse>((md, o, cb) =>
            c.maintenance.alarm({ action: AlarmRequest_AlarmAction.GET, memberID: 0n, alarm: AlarmType.NONE }, md, o, cb),
          )
          .catch((e) => Promise.reject(grpcError(e))),
      );
      printer.alarm(res);
    });

  alarm
    .command('disarm')
    .description('Disarms all alarms')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 0) throw badArgs('alarm disarm command accepts no arguments');
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, async (c) => {
        const call = (action: AlarmRequest_AlarmAction, memberID: bigint, type: AlarmType): Promise<AlarmResponse> =>
          c.unary<AlarmResponse>((md, o, cb) => c.maintenance.alarm({ action, memberID, alarm: type }, md, o, cb));
        try {
          // Like clientv3's AlarmDisarm with an empty alarm: deactivate each raised alarm in turn.
          const raised = await call(AlarmRequest_AlarmAction.GET, 0n, AlarmType.NONE);
          const disarmed: AlarmResponse = { header: raised.header, alarms: [] };
          for (const a of raised.alarms) {
            const r = await call(AlarmRequest_AlarmAction.DEACTIVATE, a.memberID, a.alarm);
            disarmed.header = r.header;
            disarmed.alarms.push(...r.alarms);
          }
          return disarmed;
        } catch (e) {
          throw grpcError(e);
        }
      });
      printer.alarm(res);
    });

  program
    .command('defrag')
    .description('Defragments the storage of the etcd members with given endpoints')
    .option('--cluster', 'use all endpoints from the cluster member list')
    .action(async (flags, cmd: Command) => {
      const g = globalsOf(cmd, ctx);
      let failures = 0;
      for (const ep of await targetEndpoints(cmd, ctx, flags.cluster === true)) {
        try {
          // Defragmenting can take long on a big store: etcdctl allows it longer than the command timeout.
          await onEndpoint(g, ep, (c) => c.unary((md, o, cb) => c.maintenance.defragment({}, md, o, cb), Math.max(g.commandTimeoutMs, 30000)));
          ctx.output.out(`Finished defragmenting etcd member[${ep}]\n`);
        } catch (err) {
          failures++;
          ctx.output.err(`Failed to defragment etcd member[${ep}] (${err instanceof CtlError ? err.message : describeGrpcError(err)})\n`);
        }
      }
      if (failures > 0) throw new CtlError(ExitCode.error, '');
    });

  program
    .command('move-leader')
    .usage('<transferee-member-id>')
    .description('Transfers leadership to another etcd cluster member.')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('move-leader command needs 1 argument');
      const target = memberIdArg(args[0]);
      const g = globalsOf(cmd, ctx);
      const printer = printerOf(cmd, ctx);
      // Only the leader can hand over leadership: find the endpoint that is it.
      for (const ep of g.endpoints) {
        const done = await onEndpoint(g, ep, async (c) => {
          const status = await c
            .unary<StatusResponse>((md, o, cb) => c.maintenance.status({}, md, o, cb))
            .catch((e) => Promise.reject(grpcError(e)));
          if (status.header?.memberId !== status.leader) return false;
          const res = await c
            .unary((md, o, cb) => c.maintenance.moveLeader({ targetID: target }, md, o, cb))
            .catch((e) => Promise.reject(grpcError(e)));
          printer.moveLeader(status.leader, target, res as { header: undefined });
          return true;
        });
        if (done) return;
      }
      throw badArgs(`no leader endpoint given at [${g.endpoints.join(' ')}]`);
    });
}
