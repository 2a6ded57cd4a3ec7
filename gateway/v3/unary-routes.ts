// Every one-request-one-response route of etcd 3.4's v3 gateway, with the messages it carries and the service
// call behind it. Paths are those of etcd's generated gateway (etcdserverpb/gw, v3lockpb/gw, v3electionpb/gw).
import type * as rpc from '../../src/gen/etcdserverpb/rpc';
import type * as lockpb from '../../src/gen/v3lockpb/v3lock';
import type * as electionpb from '../../src/gen/v3electionpb/v3election';
import type { AuthApi, Caller, ServiceApi } from '../../src/server/api';
import { statusOf } from '../../src/server/errors';
import { AUTH_UNIMPLEMENTED } from './gateway-errors';
import { embeddedClientStatus, type ElectionApi, type LockApi } from './lock-election';

export interface UnaryRoute {
  /** Path below the /v3 prefix, e.g. '/kv/range'. */
  path: string;
  /** Full proto names of the request and response messages. */
  request: string;
  response: string;
  /**
   * The response object, or undefined for calls that answer an empty message. `caller` looks up who asked; only
   * calls that etcd checks ask, so a stale token does not break the others (Authenticate above all).
   */
  call(req: unknown, signal: AbortSignal, caller: CallerLookup): Promise<object | undefined>;
  /** The gRPC status a failure of `call` is reported with. */
  errorStatus(err: unknown): { code: number; message: string };
}

export type CallerLookup = () => Promise<Caller | undefined>;

function route<Req, Res extends object | void>(
  path: string,
  request: string,
  response: string,
  call: (req: Req, signal: AbortSignal, caller: CallerLookup) => Promise<Res>,
): UnaryRoute {
  return {
    path,
    request,
    response,
    call: async (req, signal, caller) => (await call(req as Req, signal, caller)) ?? undefined,
    errorStatus: statusOf,
  };
}

export function serviceRoutes(api: ServiceApi): UnaryRoute[] {
  const pb = 'etcdserverpb.';
  return [
    route<rpc.RangeRequest, rpc.RangeResponse>('/kv/range', pb + 'RangeRequest', pb + 'RangeResponse', async (r, _s, who) => api.range(r, await who())),
    route<rpc.PutRequest, rpc.PutResponse>('/kv/put', pb + 'PutRequest', pb + 'PutResponse', async (r, _s, who) => api.put(r, await who())),
    route<rpc.DeleteRangeRequest, rpc.DeleteRangeResponse>('/kv/deleterange', pb + 'DeleteRangeRequest', pb + 'DeleteRangeResponse', async (r, _s, who) => api.deleteRange(r, await who())),
    route<rpc.TxnRequest, rpc.TxnResponse>('/kv/txn', pb + 'TxnRequest', pb + 'TxnResponse', async (r, _s, who) => api.txn(r, await who())),
    route<rpc.CompactionRequest, rpc.CompactionResponse>('/kv/compaction', pb + 'CompactionRequest', pb + 'CompactionResponse', async (r, _s, who) => api.compact(r, await who())),

    route<rpc.LeaseGrantRequest, rpc.LeaseGrantResponse>('/lease/grant', pb + 'LeaseGrantRequest', pb + 'LeaseGrantResponse', (r) => api.leaseGrant(r)),
    ...['/lease/revoke', '/kv/lease/revoke'].map((p) =>
      route<rpc.LeaseRevokeRequest, rpc.LeaseRevokeResponse>(p, pb + 'LeaseRevokeRequest', pb + 'LeaseRevokeResponse', async (r, _s, who) => api.leaseRevoke(r, await who())),
    ),
    ...['/lease/timetolive', '/kv/lease/timetolive'].map((p) =>
      route<rpc.LeaseTimeToLiveRequest, rpc.LeaseTimeToLiveResponse>(p, pb + 'LeaseTimeToLiveRequest', pb + 'LeaseTimeToLiveResponse', (r) => api.leaseTimeToLive(r)),
    ),
    ...['/lease/leases', '/kv/lease/leases'].map((p) =>
      route<rpc.LeaseLeasesRequest, rpc.LeaseLeasesResponse>(p, pb + 'LeaseLeasesRequest', pb + 'LeaseLeasesResponse', () => api.leaseLeases()),
    ),

    route<rpc.MemberAddRequest, rpc.MemberAddResponse>('/cluster/member/add', pb + 'MemberAddRequest', pb + 'MemberAddResponse', async (r, _s, who) => api.memberAdd(r, await who())),
    route<rpc.MemberRemoveRequest, rpc.MemberRemoveResponse>('/cluster/member/remove', pb + 'MemberRemoveRequest', pb + 'MemberRemoveResponse', async (r, _s, who) => api.memberRemove(r.ID, await who())),
    route<rpc.MemberUpdateRequest, rpc.MemberUpdateResponse>('/cluster/member/update', pb + 'MemberUpdateRequest', pb + 'MemberUpdateResponse', async (r, _s, who) => api.memberUpdate(r, await who())),
    route<rpc.MemberListRequest, rpc.MemberListResponse>('/cluster/member/list', pb + 'MemberListRequest', pb + 'MemberListResponse', () => api.memberList()),
    route<rpc.MemberPromoteRequest, rpc.MemberPromoteResponse>('/cluster/member/promote', pb + 'MemberPromoteRequest', pb + 'MemberPromoteResponse', async (r, _s, who) => api.memberPromote(r.ID, await who())),

    route<rpc.AlarmRequest, rpc.AlarmResponse>('/maintenance/alarm', pb + 'AlarmRequest', pb + 'AlarmResponse', (r) => api.alarm(r)),
    route<rpc.StatusRequest, rpc.StatusResponse>('/maintenance/status', pb + 'StatusRequest', pb + 'StatusResponse', () => api.status()),
    // etcd answers defragment and transfer-leadership with an empty message, not even a header.
    route<rpc.DefragmentRequest, void>('/maintenance/defragment', pb + 'DefragmentRequest', pb + 'DefragmentResponse', async (_r, _s, who) => api.defragment(await who())),
    // HashKV shares this path in etcd's gateway, but Hash is registered first and always wins.
    route<rpc.HashRequest, rpc.HashResponse>('/maintenance/hash', pb + 'HashRequest', pb + 'HashResponse', async (_r, _s, who) => api.hash(await who())),
    route<rpc.MoveLeaderRequest, void>('/maintenance/transfer-leadership', pb + 'MoveLeaderRequest', pb + 'MoveLeaderResponse', (r) => api.moveLeader(r.targetID)),
  ];
}

/**
 * etcd's Auth service routes. Without an auth service (a test double) they answer as a gRPC server that does not
 * register the service would.
 */
export function authRoutes(auth: AuthApi | undefined): UnaryRoute[] {
  const pb = 'etcdserverpb.';
  if (auth === undefined) {
    return AUTH_PATHS.map(([path, req, res]) =>
      route<unknown, object>(path, pb + req, pb + res, async () => {
        throw Object.assign(new Error(AUTH_UNIMPLEMENTED.message), { code: AUTH_UNIMPLEMENTED.code });
      }),
    );
  }
  const calls: Record<string, (req: never, caller: CallerLookup) => Promise<object>> = {
    '/auth/enable': async (_r, who) => auth.authEnable(await who()),
    '/auth/disable': async (_r, who) => auth.authDisable(await who()),
    '/auth/authenticate': (r: rpc.AuthenticateRequest) => auth.authenticate(r),
    '/auth/user/add': async (r: rpc.AuthUserAddRequest, who) => auth.userAdd(r, await who()),
    '/auth/user/get': async (r: rpc.AuthUserGetRequest, who) => auth.userGet(r, await who()),
    '/auth/user/list': async (_r, who) => auth.userList(await who()),
    '/auth/user/delete': async (r: rpc.AuthUserDeleteRequest, who) => auth.userDelete(r, await who()),
    '/auth/user/changepw': async (r: rpc.AuthUserChangePasswordRequest, who) => auth.userChangePassword(r, await who()),
    '/auth/user/grant': async (r: rpc.AuthUserGrantRoleRequest, who) => auth.userGrantRole(r, await who()),
    '/auth/user/revoke': async (r: rpc.AuthUserRevokeRoleRequest, who) => auth.userRevokeRole(r, await who()),
    '/auth/role/add': async (r: rpc.AuthRoleAddRequest, who) => auth.roleAdd(r, await who()),
    '/auth/role/get': async (r: rpc.AuthRoleGetRequest, who) => auth.roleGet(r, await who()),
    '/auth/role/list': async (_r, who) => auth.roleList(await who()),
    '/auth/role/delete': async (r: rpc.AuthRoleDeleteRequest, who) => auth.roleDelete(r, await who()),
    '/auth/role/grant': async (r: rpc.AuthRoleGrantPermissionRequest, who) => auth.roleGrantPermission(r, await who()),
    '/auth/role/revoke': async (r: rpc.AuthRoleRevokePermissionRequest, who) => auth.roleRevokePermission(r, await who()),
  };
  return AUTH_PATHS.map(([path, req, res]) => route<never, object>(path, pb + req, pb + res, (r, _s, who) => calls[path](r, who)));
}

/** Path, request and response message of each Auth route. */
const AUTH_PATHS: Array<[string, string, string]> = [
  ['/auth/enable', 'AuthEnableRequest', 'AuthEnableResponse'],
  ['/auth/disable', 'AuthDisableRequest', 'AuthDisableResponse'],
  ['/auth/authenticate', 'AuthenticateRequest', 'AuthenticateResponse'],
  ['/auth/user/add', 'AuthUserAddRequest', 'AuthUserAddResponse'],
  ['/auth/user/get', 'AuthUserGetRequest', 'AuthUserGetResponse'],
  ['/auth/user/list', 'AuthUserListRequest', 'AuthUserListResponse'],
  ['/auth/user/delete', 'AuthUserDeleteRequest', 'AuthUserDeleteResponse'],
  ['/auth/user/changepw', 'AuthUserChangePasswordRequest', 'AuthUserChangePasswordResponse'],
  ['/auth/user/grant', 'AuthUserGrantRoleRequest', 'AuthUserGrantRoleResponse'],
  ['/auth/user/revoke', 'AuthUserRevokeRoleRequest', 'AuthUserRevokeRoleResponse'],
  ['/auth/role/add', 'AuthRoleAddRequest', 'AuthRoleAddResponse'],
  ['/auth/role/get', 'AuthRoleGetRequest', 'AuthRoleGetResponse'],
  ['/auth/role/list', 'AuthRoleListRequest', 'AuthRoleListResponse'],
  ['/auth/role/delete', 'AuthRoleDeleteRequest', 'AuthRoleDeleteResponse'],
  ['/auth/role/grant', 'AuthRoleGrantPermissionRequest', 'AuthRoleGrantPermissionResponse'],
  ['/auth/role/revoke', 'AuthRoleRevokePermissionRequest', 'AuthRoleRevokePermissionResponse'],
];

/** Lock and election calls fail the way etcd's embedded client reports failures. */
function embedded(r: UnaryRoute): UnaryRoute {
  return { ...r, errorStatus: embeddedClientStatus };
}

export function lockRoutes(lock: LockApi): UnaryRoute[] {
  return [
    route<lockpb.LockRequest, lockpb.LockResponse>('/lock/lock', 'v3lockpb.LockRequest', 'v3lockpb.LockResponse', async (r, signal, who) => lock.lock(r, signal, await who())),
    route<lockpb.UnlockRequest, lockpb.UnlockResponse>('/lock/unlock', 'v3lockpb.UnlockRequest', 'v3lockpb.UnlockResponse', async (r, _s, who) => lock.unlock(r, await who())),
  ].map(embedded);
}

/** The unary election routes; /election/observe streams and lives in stream-routes.ts. */
export function electionRoutes(election: ElectionApi): UnaryRoute[] {
  const pb = 'v3electionpb.';
  return [
    route<electionpb.CampaignRequest, electionpb.CampaignResponse>('/election/campaign', pb + 'CampaignRequest', pb + 'CampaignResponse', async (r, signal, who) => election.campaign(r, signal, await who())),
    route<electionpb.ProclaimRequest, electionpb.ProclaimResponse>('/election/proclaim', pb + 'ProclaimRequest', pb + 'ProclaimResponse', async (r, _s, who) => election.proclaim(r, await who())),
    route<electionpb.LeaderRequest, electionpb.LeaderResponse>('/election/leader', pb + 'LeaderRequest', pb + 'LeaderResponse', async (r, _s, who) => election.leader(r, await who())),
    route<electionpb.ResignRequest, electionpb.ResignResponse>('/election/resign', pb + 'ResignRequest', pb + 'ResignResponse', async (r, _s, who) => election.resign(r, await who())),
  ].map(embedded);
}
