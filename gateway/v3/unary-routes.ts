// Every one-request-one-response route of etcd 3.4's v3 gateway, with the messages it carries and the service
// call behind it. Paths are those of etcd's generated gateway (etcdserverpb/gw, v3lockpb/gw, v3electionpb/gw).
import type * as rpc from '../../src/gen/etcdserverpb/rpc';
import type * as lockpb from '../../src/gen/v3lockpb/v3lock';
import type * as electionpb from '../../src/gen/v3electionpb/v3election';
import type { ServiceApi } from '../../src/server/api';
import { statusOf } from '../../src/server/errors';
import { AUTH_UNIMPLEMENTED } from './gateway-errors';
import { embeddedClientStatus, type ElectionApi, type LockApi } from './lock-election';

export interface UnaryRoute {
  /** Path below the /v3 prefix, e.g. '/kv/range'. */
  path: string;
  /** Full proto names of the request and response messages. */
  request: string;
  response: string;
  /** The response object, or undefined for calls that answer an empty message. */
  call(req: unknown, signal: AbortSignal): Promise<object | undefined>;
  /** The gRPC status a failure of `call` is reported with. */
  errorStatus(err: unknown): { code: number; message: string };
}

function route<Req, Res extends object | void>(
  path: string,
  request: string,
  response: string,
  call: (req: Req, signal: AbortSignal) => Promise<Res>,
): UnaryRoute {
  return {
    path,
    request,
    response,
    call: async (req, signal) => (await call(req as Req, signal)) ?? undefined,
    errorStatus: statusOf,
  };
}

export function serviceRoutes(api: ServiceApi): UnaryRoute[] {
  const pb = 'etcdserverpb.';
  return [
    route<rpc.RangeRequest, rpc.RangeResponse>('/kv/range', pb + 'RangeRequest', pb + 'RangeResponse', (r) => api.range(r)),
    route<rpc.PutRequest, rpc.PutResponse>('/kv/put', pb + 'PutRequest', pb + 'PutResponse', (r) => api.put(r)),
    route<rpc.DeleteRangeRequest, rpc.DeleteRangeResponse>('/kv/deleterange', pb + 'DeleteRangeRequest', pb + 'DeleteRangeResponse', (r) => api.deleteRange(r)),
    route<rpc.TxnRequest, rpc.TxnResponse>('/kv/txn', pb + 'TxnRequest', pb + 'TxnResponse', (r) => api.txn(r)),
    route<rpc.CompactionRequest, rpc.CompactionResponse>('/kv/compaction', pb + 'CompactionRequest', pb + 'CompactionResponse', (r) => api.compact(r)),

    route<rpc.LeaseGrantRequest, rpc.LeaseGrantResponse>('/lease/grant', pb + 'LeaseGrantRequest', pb + 'LeaseGrantResponse', (r) => api.leaseGrant(r)),
    ...['/lease/revoke', '/kv/lease/revoke'].map((p) =>
      route<rpc.LeaseRevokeRequest, rpc.LeaseRevokeResponse>(p, pb + 'LeaseRevokeRequest', pb + 'LeaseRevokeResponse', (r) => api.leaseRevoke(r)),
    ),
    ...['/lease/timetolive', '/kv/lease/timetolive'].map((p) =>
      route<rpc.LeaseTimeToLiveRequest, rpc.LeaseTimeToLiveResponse>(p, pb + 'LeaseTimeToLiveRequest', pb + 'LeaseTimeToLiveResponse', (r) => api.leaseTimeToLive(r)),
    ),
    ...['/lease/leases', '/kv/lease/leases'].map((p) =>
      route<rpc.LeaseLeasesRequest, rpc.LeaseLeasesResponse>(p, pb + 'LeaseLeasesRequest', pb + 'LeaseLeasesResponse', () => api.leaseLeases()),
    ),

    route<rpc.MemberAddRequest, rpc.MemberAddResponse>('/cluster/member/add', pb + 'MemberAddRequest', pb + 'MemberAddResponse', (r) => api.memberAdd(r)),
    route<rpc.MemberRemoveRequest, rpc.MemberRemoveResponse>('/cluster/member/remove', pb + 'MemberRemoveRequest', pb + 'MemberRemoveResponse', (r) => api.memberRemove(r.ID)),
    route<rpc.MemberUpdateRequest, rpc.MemberUpdateResponse>('/cluster/member/update', pb + 'MemberUpdateRequest', pb + 'MemberUpdateResponse', (r) => api.memberUpdate(r)),
    route<rpc.MemberListRequest, rpc.MemberListResponse>('/cluster/member/list', pb + 'MemberListRequest', pb + 'MemberListResponse', () => api.memberList()),
    route<rpc.MemberPromoteRequest, rpc.MemberPromoteResponse>('/cluster/member/promote', pb + 'MemberPromoteRequest', pb + 'MemberPromoteResponse', (r) => api.memberPromote(r.ID)),

    route<rpc.AlarmRequest, rpc.AlarmResponse>('/maintenance/alarm', pb + 'AlarmRequest', pb + 'AlarmResponse', (r) => api.alarm(r)),
    route<rpc.StatusRequest, rpc.StatusResponse>('/maintenance/status', pb + 'StatusRequest', pb + 'StatusResponse', () => api.status()),
    // etcd answers defragment and transfer-leadership with an empty message, not even a header.
    route<rpc.DefragmentRequest, void>('/maintenance/defragment', pb + 'DefragmentRequest', pb + 'DefragmentResponse', () => api.defragment()),
    // HashKV shares this path in etcd's gateway, but Hash is registered first and always wins.
    route<rpc.HashRequest, rpc.HashResponse>('/maintenance/hash', pb + 'HashRequest', pb + 'HashResponse', () => api.hash()),
    route<rpc.MoveLeaderRequest, void>('/maintenance/transfer-leadership', pb + 'MoveLeaderRequest', pb + 'MoveLeaderResponse', (r) => api.moveLeader(r.targetID)),
  ];
}

/** etcd's auth routes, each answering UNIMPLEMENTED until an auth service exists. */
export function authRoutes(): UnaryRoute[] {
  const calls: Array<[string, string, string]> = [
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
  return calls.map(([path, req, res]) =>
    route<unknown, object>(path, 'etcdserverpb.' + req, 'etcdserverpb.' + res, async () => {
      throw Object.assign(new Error(AUTH_UNIMPLEMENTED.message), { code: AUTH_UNIMPLEMENTED.code });
    }),
  );
}

/** Lock and election calls fail the way etcd's embedded client reports failures. */
function embedded(r: UnaryRoute): UnaryRoute {
  return { ...r, errorStatus: embeddedClientStatus };
}

export function lockRoutes(lock: LockApi): UnaryRoute[] {
  return [
    route<lockpb.LockRequest, lockpb.LockResponse>('/lock/lock', 'v3lockpb.LockRequest', 'v3lockpb.LockResponse', (r, signal) => lock.lock(r, signal)),
    route<lockpb.UnlockRequest, lockpb.UnlockResponse>('/lock/unlock', 'v3lockpb.UnlockRequest', 'v3lockpb.UnlockResponse', (r) => lock.unlock(r)),
  ].map(embedded);
}

/** The unary election routes; /election/observe streams and lives in stream-routes.ts. */
export function electionRoutes(election: ElectionApi): UnaryRoute[] {
  const pb = 'v3electionpb.';
  return [
    route<electionpb.CampaignRequest, electionpb.CampaignResponse>('/election/campaign', pb + 'CampaignRequest', pb + 'CampaignResponse', (r, signal) => election.campaign(r, signal)),
    route<electionpb.ProclaimRequest, electionpb.ProclaimResponse>('/election/proclaim', pb + 'ProclaimRequest', pb + 'ProclaimResponse', (r) => election.proclaim(r)),
    route<electionpb.LeaderRequest, electionpb.LeaderResponse>('/election/leader', pb + 'LeaderRequest', pb + 'LeaderResponse', (r) => election.leader(r)),
    route<electionpb.ResignRequest, electionpb.ResignResponse>('/election/resign', pb + 'ResignRequest', pb + 'ResignResponse', (r) => election.resign(r)),
  ].map(embedded);
}
