// The v2 command tree (ETCDCTL_API=2 or "tetcdctl v2 ..."): etcdctl 2's commands over HTTP.
import { Command } from 'commander';
import type { CtlContext } from '../context';
import { registerKeys } from './keys';
import { registerMembers } from './members';

export function buildV2Program(ctx: CtlContext): Command {
  const program = new Command('tetcdctl');
  program
    .description('A simple command line client for etcd (v2 API).')
    .usage('[global options] command [command options] [arguments...]')
    // Accepted so etcdctl v2 command lines keep working; tetcdctl prints no request traces.
    .option('--debug', 'accepted for compatibility (no effect)')
    .option('-o, --output <format>', 'output response in the given format (`simple`, `extended` or `json`) (default: "simple")')
    .option('--endpoints <list>', 'a comma-delimited list of machine addresses in the cluster (default: "http://127.0.0.1:2379,http://127.0.0.1:4001")')
    .option('-C, --peers <list>', 'DEPRECATED - "--endpoints" should be used instead')
    .option('--cert-file <file>', 'identify HTTPS client using this SSL certificate file')
    .option('--key-file <file>', 'identify HTTPS client using this SSL key file')
    .option('--ca-file <file>', 'verify certificates of HTTPS-enabled servers using this CA bundle')
    .option('-u, --username <user[:password]>', 'provide username[:password] and prompt if password is not supplied.')
    .option('--timeout <duration>', 'connection timeout per request (default: 2s)')
    .option('--total-timeout <duration>', 'timeout for the command execution (except watch) (default: 5s)')
    .addHelpText('after', '\nThese are the v2 API commands; run without "v2" (and without ETCDCTL_API=2) for the v3 API.');
  registerKeys(program, ctx);
  registerMembers(program, ctx);
  return program;
}
