// member list | add | remove | update | promote.
import type { Command } from 'commander';
import type {
  MemberAddResponse,
  MemberListResponse,
  MemberPromoteResponse,
  MemberRemoveResponse,
  MemberUpdateResponse,
} from '../../../gen/etcdserverpb/rpc';
import { grpcError } from '../connection';
import { globalsOf, printerOf, withConnection, type CtlContext } from '../context';
import { badArgs } from '../errors';
import { goQuote } from '../go-format';
import { memberIdArg } from './ids';

export function registerMember(program: Command, ctx: CtlContext): void {
  const member = program.command('member').description('Membership related commands').usage('<subcommand>');

  member
    .command('list')
    .description('Lists all members in the cluster')
    .action(async (_flags, cmd: Command) => {
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c.unary<MemberListResponse>((md, o, cb) => c.cluster.memberList({}, md, o, cb)).catch((e) => Promise.reject(grpcError(e))),
      );
      printer.memberList(res);
    });

  member
    .command('add')
    .usage('<memberName> [options]')
    .description('Adds a member into the cluster')
    .argument('[args...]')
    .option('--peer-urls <urls>', 'comma separated peer URLs for the new member.', '')
    .option('--learner', 'indicates if the new member is raft learner')
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length < 1) throw badArgs('member name not provided');
      if (args.length > 1) {
        let why = 'too many arguments';
        for (const a of args) if (a.toLowerCase().startsWith('http')) why += `, did you mean --peer-urls=${a}`;
        throw badArgs(why);
      }
      const name = args[0];
      if (flags.peerUrls === '') throw badArgs('member peer urls not provided');
      const peerURLs = (flags.peerUrls as string).split(',');
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c
          .unary<MemberAddResponse>((md, o, cb) => c.cluster.memberAdd({ peerURLs, isLearner: flags.learner === true }, md, o, cb))
          .catch((e) => Promise.reject(grpcError(e))),
      );
      printer.memberAdd(res);
      if (globalsOf(cmd, ctx).writeOut !== 'simple') return;
      // The environment the new member needs to join, ready to paste.
      const newId = res.member?.ID;
      const initialCluster = res.members.flatMap((m) => m.peerURLs.map((u) => `${m.ID === newId ? name : m.name}=${u}`));
      ctx.output.out(
        `\nETCD_NAME=${goQuote(name)}\n` +
          `ETCD_INITIAL_CLUSTER=${goQuote(initialCluster.join(','))}\n` +
          `ETCD_INITIAL_ADVERTISE_PEER_URLS=${goQuote(flags.peerUrls as string)}\n` +
          `ETCD_INITIAL_CLUSTER_STATE="existing"\n`,
      );
    });

  member
    .command('remove')
    .usage('<memberID>')
    .description('Removes a member from the cluster')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('member ID is not provided');
      const ID = memberIdArg(args[0]);
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c.unary<MemberRemoveResponse>((md, o, cb) => c.cluster.memberRemove({ ID }, md, o, cb)).catch((e) => Promise.reject(grpcError(e))),
      );
      printer.memberRemove(ID, res);
    });

  member
    .command('update')
    .usage('<memberID> [options]')
    .description('Updates a member in the cluster')
    .argument('[args...]')
    .option('--peer-urls <urls>', 'comma separated peer URLs for the updated member.', '')
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('member ID is not provided');
      const ID = memberIdArg(args[0]);
      if (flags.peerUrls === '') throw badArgs('member peer urls not provided');
      const peerURLs = (flags.peerUrls as string).split(',');
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c
          .unary<MemberUpdateResponse>((md, o, cb) => c.cluster.memberUpdate({ ID, peerURLs }, md, o, cb))
          .catch((e) => Promise.reject(grpcError(e))),
      );
      printer.memberUpdate(ID, res);
    });

  member
    .command('promote')
    .usage('<memberID>')
    .description('Promotes a non-voting member in the cluster')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('member ID is not provided');
      const ID = memberIdArg(args[0]);
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c
          .unary<MemberPromoteResponse>((md, o, cb) => c.cluster.memberPromote({ ID }, md, o, cb))
          .catch((e) => Promise.reject(grpcError(e))),
      );
      printer.memberPromote(ID, res);
    });
}
