// The service layer every front end calls: the gRPC handlers, the v2 gateway and the v3 JSON gateway.
// Requests and responses are etcd's own messages (generated from proto/); errors are thrown as EtcdError
// (src/server/errors.ts) and mapped to a gRPC status or an HTTP error by the front end.
import type {
  AlarmRequest,
  AuthDisableResponse,
  AuthEnableResponse,
  AuthenticateRequest,
  AuthenticateResponse,
  AuthRoleAddRequest,
  AuthRoleAddResponse,
  AuthRoleDeleteRequest,
  AuthRoleDeleteResponse,
  AuthRoleGetRequest,
  AuthRoleGetResponse,
  AuthRoleGrantPermissionRequest,
  AuthRoleGrantPermissionResponse,
  AuthRoleListResponse,
  AuthRoleRevokePermissionRequest,
  AuthRoleRevokePermissionResponse,
  AuthUserAddRequest,
  AuthUserAddResponse,
  AuthUserChangePasswordRequest,
  AuthUserChangePasswordResponse,
  AuthUserDeleteRequest,
  AuthUserDeleteResponse,
  AuthUserGetRequest,
  AuthUserGetResponse,
  AuthUserGrantRoleRequest,
  AuthUserGrantRoleResponse,
  AuthUserListResponse,
  AuthUserRevokeRoleRequest,
  AuthUserRevokeRoleResponse,
  AlarmResponse,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  HashResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberAddRequest,
  MemberAddResponse,
  MemberListResponse,
  MemberPromoteResponse,
  MemberRemoveResponse,
  MemberUpdateRequest,
  MemberUpdateResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchResponse,
} from '../gen/etcdserverpb/rpc';

/**
 * Who is asking, as the front end established it (a token, a TLS client certificate's CN, HTTP basic auth):
 * the user and the auth store revision its credentials were checked at. An absent Caller means no credentials
 * were given, which auth refuses for everything once it is enabled.
 */
export interface Caller {
  user: string;
  revision: bigint;
}

export interface KvApi {
  range(req: RangeRequest, caller?: Caller): Promise<RangeResponse>;
  put(req: PutRequest, caller?: Caller): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest, caller?: Caller): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest, caller?: Caller): Promise<TxnResponse>;
  compact(req: CompactionRequest, caller?: Caller): Promise<CompactionResponse>;
}

export interface LeaseApi {
  leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse>;
  leaseRevoke(req: LeaseRevokeRequest, caller?: Caller): Promise<LeaseRevokeResponse>;
  /** One keep-alive: the new TTL in seconds (forwarded to the leader when this member is not it). */
  leaseRenew(id: bigint): Promise<bigint>;
  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
  leaseLeases(): Promise<LeaseLeasesResponse>;
}

/** One open watch stream: many watchers, responses in order. */
export interface WatchStreamApi {
  /**
   * `caller` is looked up for each create, so a token's checks follow the auth store as it changes; an Error when
   * the credentials were refused (the watch is canceled with it).
   */
  create(req: WatchCreateRequest, caller?: Caller | Error): void;
  cancel(watchId: bigint): void;
  requestProgress(): void;
  close(): void;
}

export interface WatchApi {
  /** `send` receives every response (created, events, progress, canceled) of this stream in order. */
  openWatchStream(send: (resp: WatchResponse) => void): WatchStreamApi;
}

export interface ClusterApi {
  memberList(linearizable?: boolean): Promise<MemberListResponse>;
  memberAdd(req: MemberAddRequest, caller?: Caller): Promise<MemberAddResponse>;
  memberRemove(id: bigint, caller?: Caller): Promise<MemberRemoveResponse>;
  memberUpdate(req: MemberUpdateRequest, caller?: Caller): Promise<MemberUpdateResponse>;
  memberPromote(id: bigint, caller?: Caller): Promise<MemberPromoteResponse>;
}

export interface MaintenanceApi {
  status(): Promise<StatusResponse>;
  alarm(req: AlarmRequest): Promise<AlarmResponse>;
  hash(caller?: Caller): Promise<HashResponse>;
  hashKV(revision: bigint, caller?: Caller): Promise<HashKVResponse>;
  defragment(caller?: Caller): Promise<void>;
  /** A consistent point-in-time copy of the whole store: its size, then its bytes in chunks. */
  snapshot(caller?: Caller): Promise<{ size: number; chunks: Iterable<Buffer> | AsyncIterable<Buffer> }>;
  moveLeader(targetId: bigint): Promise<void>;
}

/** Facts about this member that the HTTP endpoints report. */
export interface MemberInfoApi {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  readonly name: string;
  header(): ResponseHeader;
  /** Current leader's ID, 0n when none is known. */
  leader(): bigint;
  raftIndex(): number;
  raftTerm(): number;
  appliedIndex(): number;
  /** Healthy: a leader is known and no alarm is raised. */
  health(): Promise<{ ok: boolean; reason?: string }>;
}

/** etcd's Auth service, and turning a front end's credentials into a Caller. */
export interface AuthApi {
  /** The caller a token (gRPC metadata "token") stands for; throws "invalid auth token". */
  callerFromToken(token: string): Promise<Caller>;
  /** The caller named by a verified TLS client certificate's CN (only with --client-cert-auth). */
  callerFromCommonName(cn: string): Caller;
  /** HTTP basic auth: checks the password; throws "authentication failed..." or "authentication is not enabled". */
  authenticateBasic(user: string, password: string): Promise<Caller>;
  authenticate(req: AuthenticateRequest): Promise<AuthenticateResponse>;
  authEnable(caller?: Caller): Promise<AuthEnableResponse>;
  authDisable(caller?: Caller): Promise<AuthDisableResponse>;
  userAdd(req: AuthUserAddRequest, caller?: Caller): Promise<AuthUserAddResponse>;
  userGet(req: AuthUserGetRequest, caller?: Caller): Promise<AuthUserGetResponse>;
  userList(caller?: Caller): Promise<AuthUserListResponse>;
  userDelete(req: AuthUserDeleteRequest, caller?: Caller): Promise<AuthUserDeleteResponse>;
  userChangePassword(req: AuthUserChangePasswordRequest, caller?: Caller): Promise<AuthUserChangePasswordResponse>;
  userGrantRole(req: AuthUserGrantRoleRequest, caller?: Caller): Promise<AuthUserGrantRoleResponse>;
  userRevokeRole(req: AuthUserRevokeRoleRequest, caller?: Caller): Promise<AuthUserRevokeRoleResponse>;
  roleAdd(req: AuthRoleAddRequest, caller?: Caller): Promise<AuthRoleAddResponse>;
  roleGet(req: AuthRoleGetRequest, caller?: Caller): Promise<AuthRoleGetResponse>;
  roleList(caller?: Caller): Promise<AuthRoleListResponse>;
  roleDelete(req: AuthRoleDeleteRequest, caller?: Caller): Promise<AuthRoleDeleteResponse>;
  roleGrantPermission(req: AuthRoleGrantPermissionRequest, caller?: Caller): Promise<AuthRoleGrantPermissionResponse>;
  roleRevokePermission(req: AuthRoleRevokePermissionRequest, caller?: Caller): Promise<AuthRoleRevokePermissionResponse>;
}

export type ServiceApi = KvApi & LeaseApi & WatchApi & ClusterApi & MaintenanceApi & MemberInfoApi;
