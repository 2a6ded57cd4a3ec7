// The endpoint list a per-endpoint command works on: --endpoints, or with --cluster every member's client URLs.
import type { Command } from 'commander';
import type { MemberListResponse } from '../../../gen/etcdserverpb/rpc';
import { Connection, describeGrpcError } from '../connection';
import { globalsOf, type CtlContext } from '../context';
import { CtlError, ExitCode } from '../errors';
import type { GlobalOptions } from '../global-options';

export async function targetEndpoints(cmd: Command, ctx: CtlContext, cluster: boolean): Promise<string[]> {
  const g = globalsOf(cmd, ctx);
  if (!cluster) return g.endpoints;
  // Membership needs no authentication; skip it so no password is asked for.
  const conn = await Connection.open({ ...g, user: '', password: '' });
  try {
    const res = await conn.unary<MemberListResponse>((md, o, cb) => conn.cluster.memberList({}, md, o, cb));
    return res.members.flatMap((m) => m.clientURLs);
  } catch (err) {
    throw new CtlError(
      ExitCode.error,
      `failed to fetch endpoints from etcd cluster member list: ${describeGrpcError(err)}`,
    );
  } finally {
    conn.close();
  }
}

/** Runs `fn` on a connection to exactly `endpoint`. */
export async function onEndpoint<T>(g: GlobalOptions, endpoint: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const conn = await Connection.open(g, [endpoint]);
  try {
    return await fn(conn);
  } finally {
    conn.close();
  }
}
