// The service layer every front end calls: the gRPC handlers, the v2 gateway and the v3 JSON gateway.
// Requests and responses are etcd's own messages (generated from proto/); errors are thrown as EtcdError
// (src/server/errors.ts) and mapped to a gRPC status or an HTTP error by the front end.
import type {
  AlarmRequest,
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

/** Who is asking (set once auth exists; the empty user means auth is off or not given). */
export interface Caller {
  user: string;
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
  leaseRevoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse>;
  /** One keep-alive: the new TTL in seconds (forwarded to the leader when this member is not it). */
  leaseRenew(id: bigint): Promise<bigint>;
  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
  leaseLeases(): Promise<LeaseLeasesResponse>;
}

/** One open watch stream: many watchers, responses in order. */
export interface WatchStreamApi {
  create(req: WatchCreateRequest): void;
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
  memberAdd(req: MemberAddRequest): Promise<MemberAddResponse>;
  memberRemove(id: bigint): Promise<MemberRemoveResponse>;
  memberUpdate(req: MemberUpdateRequest): Promise<MemberUpdateResponse>;
  memberPromote(id: bigint): Promise<MemberPromoteResponse>;
}

export interface MaintenanceApi {
  status(): Promise<StatusResponse>;
  alarm(req: AlarmRequest): Promise<AlarmResponse>;
  hash(): Promise<HashResponse>;
  hashKV(revision: bigint): Promise<HashKVResponse>;
  defragment(): Promise<void>;
  /** A consistent point-in-time copy of the whole store: its size, then its bytes in chunks. */
  snapshot(): Promise<{ size: number; chunks: Iterable<Buffer> | AsyncIterable<Buffer> }>;
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

export type ServiceApi = KvApi & LeaseApi & WatchApi & ClusterApi & MaintenanceApi & MemberInfoApi;
