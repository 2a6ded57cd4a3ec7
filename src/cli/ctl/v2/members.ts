// v2 member list | add | remove | update and cluster-health, over /v2/members and each member's /health.
import type { Command } from 'commander';
import type { CtlContext } from '../context';
import { CtlError } from '../errors';
import { goQuote } from '../go-format';
import { request, requestAny, V2Exit } from './http';
import { resolveV2Options, type RawV2Flags, type V2Options } from './options';

interface V2Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

/** Fails the command after the message etcdctl v2 prints (on stderr, without an "Error:" prefix). */
function exitWith(ctx: CtlContext, message: string, code: number = V2Exit.badArgs): never {
  ctx.output.err(message);
  throw new CtlError(code, '');
}

async function membersCall(o: V2Options, path: string, init: Parameters<typeof requestAny>[2] = {}): Promise<unknown> {
  const res = await requestAny(o, `/v2/members${path}`, init);
  const body: unknown = res.body === '' ? undefined : JSON.parse(res.body);
  if (res.status >= 400) throw new Error((body as { message?: string } | undefined)?.message ?? `unexpected status ${res.status}`);
  return body;
}

async function listMembers(o: V2Options): Promise<V2Member[]> {
  return ((await membersCall(o, '')) as { members: V2Member[] }).members;
}

export function registerMembers(program: Command, ctx: CtlContext): void {
  const optionsOf = (cmd: Command): V2Options => resolveV2Options(cmd.optsWithGlobals() as RawV2Flags, ctx.env);
  const member = program.command('member').description('member add, remove and list subcommands');

  member
    .command('list')
    .description('enumerate existing cluster members')
    .argument('[args...]')
    .action(async (args: string[], _f, cmd: Command) => {
      if (args.length !== 0) exitWith(ctx, 'No arguments accepted\n');
      const o = optionsOf(cmd);
      let members: V2Member[];
      try {
        members = await listMembers(o);
      } catch (err) {
        exitWith(ctx, `${(err as Error).message}\n`);
      }
      let leader: V2Member;
      try {
        leader = (await membersCall(o, '/leader')) as V2Member;
      } catch (err) {
        exitWith(ctx, `Failed to get leader:  ${(err as Error).message}\n`);
      }
      for (const m of members) {
        if (m.name === '') ctx.output.out(`${m.id}[unstarted]: peerURLs=${m.peerURLs.join(',')}\n`);
        else {
          ctx.output.out(
            `${m.id}: name=${m.name} peerURLs=${m.peerURLs.join(',')} clientURLs=${m.clientURLs.join(',')} isLeader=${m.id === leader.id}\n`,
          );
        }
      }
    });

  member
    .command('add')
    .description('add a new member to the etcd cluster')
    .usage('<name> <peerURL>')
    .argument('[args...]')
    .action(async (args: string[], _f, cmd: Command) => {
      if (args.length !== 2) exitWith(ctx, 'Provide a name and a single member peerURL\n');
      const o = optionsOf(cmd);
      const [name, url] = args;
      let added: V2Member;
      let members: V2Member[];
      try {
        added = (await membersCall(o, '', { method: 'POST', json: { peerURLs: [url] } })) as V2Member;
        members = await listMembers(o);
      } catch (err) {
        exitWith(ctx, `${(err as Error).message}\n`);
      }
      const conf = members.flatMap((m) => m.peerURLs.map((u) => `${m.id === added.id ? name : m.name}=${u}`));
      ctx.output.out(
        `Added member named ${name} with ID ${added.id} to cluster\n\n` +
          `ETCD_NAME=${goQuote(name)}\nETCD_INITIAL_CLUSTER=${goQuote(conf.join(','))}\nETCD_INITIAL_CLUSTER_STATE="existing"\n`,
      );
    });

  member
    .command('remove')
    .description('remove an existing member from the etcd cluster')
    .usage('<memberID>')
    .argument('[args...]')
    .action(async (args: string[], _f, cmd: Command) => {
      if (args.length !== 1) exitWith(ctx, 'Provide a single member ID\n');
      const o = optionsOf(cmd);
      const id = args[0];
      let members: V2Member[];
      try {
        members = await listMembers(o);
      } catch (err) {
        exitWith(ctx, `Error while verifying ID against known members: ${(err as Error).message}\n`);
      }
      for (const m of members) {
        if (m.name === id) {
          ctx.output.err(
            `Found a member named ${m.name}; if this is correct, please use its ID, eg:\n\tetcdctl member remove ${m.id}\n` +
              'For more details, read the documentation at https://github.com/etcd-io/etcd/blob/master/Documentation/runtime-configuration.md#remove-a-member\n\n',
          );
        }
      }
      if (!members.some((m) => m.id === id)) exitWith(ctx, `Couldn't find a member in the cluster with an ID of ${id}.\n`);
      try {
        await membersCall(o, `/${id}`, { method: 'DELETE' });
      } catch (err) {
        exitWith(ctx, `Received an error trying to remove member ${id}: ${(err as Error).message}`);
      }
      ctx.output.out(`Removed member ${id} from cluster\n`);
    });

  member
    .command('update')
    .description('update an existing member in the etcd cluster')
    .usage('<memberID> <peerURLs>')
    .argument('[args...]')
    .action(async (args: string[], _f, cmd: Command) => {
      if (args.length !== 2) {
        exitWith(ctx, 'Provide an ID and a list of comma separated peerURL (0xabcd http://example.com,http://example1.com)\n');
      }
      const [id, urls] = args;
      try {
        await membersCall(optionsOf(cmd), `/${id}`, { method: 'PUT', json: { peerURLs: urls.split(',') } });
      } catch (err) {
        exitWith(ctx, `${(err as Error).message}\n`);
      }
      ctx.output.out(`Updated member with ID ${id} in cluster\n`);
    });

  program
    .command('cluster-health')
    .description('check the health of the etcd cluster')
    .option('-f, --forever', 'forever check the health every 10 second until CTRL+C')
    .action(async (f, cmd: Command) => {
      const o = optionsOf(cmd);
      let members: V2Member[];
      try {
        members = await listMembers(o);
      } catch (err) {
        ctx.output.out('cluster may be unhealthy: failed to list members\n');
        throw err instanceof CtlError ? new CtlError(V2Exit.serverError, err.message) : new CtlError(V2Exit.serverError, (err as Error).message);
      }
      for (;;) {
        const healthy = await checkMembers(ctx, o, members);
        ctx.output.out(healthy === members.length ? 'cluster is healthy\n' : healthy === 0 ? 'cluster is unavailable\n' : 'cluster is degraded\n');
        if (!f.forever) {
          if (healthy !== members.length) throw new CtlError(V2Exit.clusterNotHealthy, '');
          return;
        }
        ctx.output.out('\nnext check after 10 second...\n\n');
        const stopped = await Promise.race([
          ctx.interrupted.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 10000).unref()),
        ]);
        if (stopped) return;
      }
    });
}

/** Prints one line per member; returns how many answered healthy. */
async function checkMembers(ctx: CtlContext, o: V2Options, members: V2Member[]): Promise<number> {
  let healthy = 0;
  for (const m of members) {
    if (m.clientURLs.length === 0) {
      ctx.output.out(`member ${m.id} is unreachable: no available published client urls\n`);
      continue;
    }
    let checked = false;
    for (const url of m.clientURLs) {
      let body: { health?: string | boolean };
      try {
        const res = await request(o, `${url}/health`, { timeoutMs: o.totalTimeoutMs });
        body = JSON.parse(res.body) as { health?: string | boolean };
      } catch (err) {
        ctx.output.out(`failed to check the health of member ${m.id} on ${url}: ${(err as Error).message}\n`);
        continue;
      }
      checked = true;
      if (body.health === 'true' || body.health === true) {
        ctx.output.out(`member ${m.id} is healthy: got healthy result from ${url}\n`);
        healthy++;
      } else {
        ctx.output.out(`member ${m.id} is unhealthy: got unhealthy result from ${url}\n`);
      }
      break;
    }
    if (!checked) ctx.output.out(`member ${m.id} is unreachable: [${m.clientURLs.join(' ')}] are all unreachable\n`);
  }
  return healthy;
}
