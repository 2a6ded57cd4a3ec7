// endpoint health | status | hashkv, each per endpoint (or per member with --cluster).
import type { Command } from 'commander';
import type { HashKVResponse, RangeResponse, StatusResponse } from '../../../gen/etcdserverpb/rpc';
import { describeGrpcError } from '../connection';
import { globalsOf, intFlag, printerOf, type CtlContext } from '../context';
import { CtlError, ExitCode } from '../errors';
import { goDuration } from '../go-format';
import type { GlobalOptions } from '../global-options';
import type { EndpointHashKV, EndpointHealth, EndpointStatus } from '../printers';
import { onEndpoint, targetEndpoints } from './endpoints';
import { rangeRequest } from './kv-requests';

export function registerEndpoint(program: Command, ctx: CtlContext): void {
  const endpoint = program.command('endpoint').description('Endpoint related commands').usage('<subcommand>');
  endpoint.option('--cluster', 'use all endpoints from the cluster member list');

  endpoint
    .command('health')
    .description('Checks the healthiness of endpoints specified in `--endpoints` flag')
    .action(async (_flags, cmd: Command) => {
      const g = globalsOf(cmd, ctx);
      const printer = printerOf(cmd, ctx);
      const eps = await targetEndpoints(cmd, ctx, cmd.optsWithGlobals().cluster === true);
      const results = await Promise.all(eps.map((ep) => checkHealth(g, ep)));
      printer.endpointHealth(results);
      if (results.some((h) => h.error !== '')) throw new CtlError(ExitCode.error, 'unhealthy cluster');
    });

  endpoint
    .command('status')
    .description('Prints out the status of endpoints specified in `--endpoints` flag')
    .action(async (_flags, cmd: Command) => {
      const g = globalsOf(cmd, ctx);
      const printer = printerOf(cmd, ctx);
      const list: EndpointStatus[] = [];
      let failed = false;
      for (const ep of await targetEndpoints(cmd, ctx, cmd.optsWithGlobals().cluster === true)) {
        try {
          const status = await onEndpoint(g, ep, (c) => c.unary<StatusResponse>((md, o, cb) => c.maintenance.status({}, md, o, cb)));
          list.push({ endpoint: ep, status });
        } catch (err) {
          failed = true;
          ctx.output.err(`Failed to get the status of endpoint ${ep} (${describeGrpcError(err)})\n`);
        }
      }
      printer.endpointStatus(list);
      if (failed) throw new CtlError(ExitCode.error, '');
    });

  endpoint
    .command('hashkv')
    .description('Prints the KV history hash for each endpoint in --endpoints')
    .option('--rev <revision>', 'maximum revision to hash (default: all revisions)', '0')
    .action(async (flags, cmd: Command) => {
      const g = globalsOf(cmd, ctx);
      const printer = printerOf(cmd, ctx);
      const revision = intFlag(flags.rev, 'rev');
      const list: EndpointHashKV[] = [];
      let lastError: string | undefined;
      for (const ep of await targetEndpoints(cmd, ctx, cmd.optsWithGlobals().cluster === true)) {
        try {
          const hashKV = await onEndpoint(g, ep, (c) =>
            c.unary<HashKVResponse>((md, o, cb) => c.maintenance.hashKv({ revision }, md, o, cb)),
          );
          list.push({ endpoint: ep, hashKV });
        } catch (err) {
          lastError = describeGrpcError(err);
          ctx.output.err(`Failed to get the hash of endpoint ${ep} (${lastError})\n`);
        }
      }
      printer.endpointHashKV(list);
      if (lastError !== undefined) throw new CtlError(ExitCode.error, lastError);
    });
}

/** An endpoint is healthy when a linearizable read of a throwaway key succeeds (it needs a working quorum). */
async function checkHealth(g: GlobalOptions, ep: string): Promise<EndpointHealth> {
  const start = process.hrtime.bigint();
  try {
    await onEndpoint(g, ep, (c) =>
      c.unary<RangeResponse>((md, o, cb) => c.kv.range(rangeRequest(['health'], {}), md, o, cb)).catch((err) => {
        // Being refused for lack of permission still proves the request went through consensus.
        if (describeGrpcError(err) === 'etcdserver: permission denied') return undefined;
        throw err;
      }),
    );
    return { endpoint: ep, health: true, took: goDuration(process.hrtime.bigint() - start), error: '' };
  } catch (err) {
    const took = err instanceof CtlError ? '' : goDuration(process.hrtime.bigint() - start);
    return { endpoint: ep, health: false, took, error: err instanceof CtlError ? err.message : describeGrpcError(err) };
  }
}
