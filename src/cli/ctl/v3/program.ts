// The v3 command tree: global flags plus every command, on commander.
import { Command, Option } from 'commander';
import { globalsOf, type CtlContext } from '../context';
import { discoverEndpoints } from '../discovery';
import { debugFlagDump } from '../global-options';
import { registerAuth } from './auth';
import { registerCheck } from './check-perf';
import { registerConcurrency } from './concurrency';
import { registerEndpoint } from './endpoint';
import { registerKv } from './kv';
import { registerLease } from './lease';
import { registerMaintenance } from './maintenance';
import { registerMember } from './member';
import { registerRole } from './role';
import { registerSnapshot } from './snapshot';
import { registerTxn } from './txn';
import { registerUser } from './user';
import { registerVersion } from './version';
import { registerWatch } from './watch';

export const V3_HELP_FOOTER = `
API versions:
  The v3 API is the default. Run the v2 commands with "tetcdctl v2 <command>" or with ETCDCTL_API=2 in the
  environment (v2 commands talk HTTP to /v2/keys, /v2/members and /health).`;

/** etcdctl reads its client flags (and --debug dumps them) only for commands that connect. */
function talksToCluster(action: Command): boolean {
  const path = [action.parent?.name(), action.name()].join(' ');
  return !['tetcdctl version', 'snapshot status', 'snapshot restore'].includes(path);
}

export function buildV3Program(ctx: CtlContext): Command {
  const program = new Command('tetcdctl');
  program
    .description('A simple command line client for etcd3 (and tetcd).')
    .usage('[global options] command [command options] [arguments...]')
    .option('--endpoints <list>', 'gRPC endpoints (default [127.0.0.1:2379])')
    .option('--dial-timeout <duration>', 'dial timeout for client connections (default 2s)')
    .option('--command-timeout <duration>', 'timeout for short running command (excluding dial timeout) (default 5s)')
    .option('--keepalive-time <duration>', 'keepalive time for client connections (default 2s)')
    .option('--keepalive-timeout <duration>', 'keepalive timeout for client connections (default 6s)')
    .option('--insecure-transport [bool]', 'disable transport security for client connections (default true)')
    .option('--insecure-discovery [bool]', 'accept insecure SRV records describing cluster endpoints (default true)')
    .option('-d, --discovery-srv <domain>', 'domain name to query for SRV records describing cluster endpoints')
    .option('--discovery-srv-name <name>', 'service name to query when using DNS discovery')
    .option('--cacert <file>', 'verify certificates of TLS-enabled secure servers using this CA bundle')
    .option('--cert <file>', 'identify secure client using this TLS certificate file')
    .option('--key <file>', 'identify secure client using this TLS key file')
    .option('--insecure-skip-tls-verify', 'skip server certificate verification')
    .option('--user <name[:password]>', 'username[:password] for authentication')
    .option('--password <password>', 'password for authentication (if this option is used, --user option shouldn\'t include password)')
    .option('--debug', 'enable client-side debug logging')
    .addOption(new Option('-w, --write-out <format>', 'set the output format (fields, json, protobuf, simple, table) (default "simple")'))
    .option('--hex', 'print byte strings as hex encoded strings')
    .addHelpText('after', V3_HELP_FOOTER)
    .hook('preAction', async (_program, action) => {
      if (!talksToCluster(action)) return;
      const g = globalsOf(action, ctx);
      if (g.debug) ctx.output.err(debugFlagDump(g));
      if (g.discoverySrv !== '') {
        ctx.discovered = await discoverEndpoints(g.discoverySrv, g.discoverySrvName, g.insecureDiscovery, (line) => ctx.output.err(line));
      }
    });
  registerKv(program, ctx);
  registerTxn(program, ctx);
  registerWatch(program, ctx);
  registerLease(program, ctx);
  registerMember(program, ctx);
  registerEndpoint(program, ctx);
  registerMaintenance(program, ctx);
  registerSnapshot(program, ctx);
  registerCheck(program, ctx);
  registerUser(program, ctx);
  registerRole(program, ctx);
  registerAuth(program, ctx);
  registerConcurrency(program, ctx);
  registerVersion(program, ctx);
  return program;
}
