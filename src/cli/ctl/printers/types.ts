// What each command hands to the output printer; one printer per -w format implements all of it.
import type {
  AlarmResponse,
  DeleteRangeResponse,
  HashKVResponse,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveResponse,
  MemberAddResponse,
  MemberListResponse,
  MemberPromoteResponse,
  MemberRemoveResponse,
  MemberUpdateResponse,
  MoveLeaderResponse,
  PutResponse,
  RangeResponse,
  StatusResponse,
  TxnResponse,
  WatchResponse,
} from '../../../gen/etcdserverpb/rpc';

export interface EndpointHealth {
  endpoint: string;
  health: boolean;
  took: string;
  error: string;
}

export interface EndpointStatus {
  endpoint: string;
  status: StatusResponse;
}

export interface EndpointHashKV {
  endpoint: string;
  hashKV: HashKVResponse;
}

/** `snapshot status` of a saved file. */
export interface SnapshotStatus {
  hash: number;
  revision: bigint;
  totalKey: number;
  totalSize: number;
}

/** Where printers write; tests capture it, main() wires it to the process streams. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Raw bytes (-w protobuf). */
  raw(data: Uint8Array): void;
}

export interface Printer {
  del(r: DeleteRangeResponse): void;
  get(r: RangeResponse): void;
  put(r: PutResponse): void;
  txn(r: TxnResponse): void;
  watch(r: WatchResponse): void;

  grant(r: LeaseGrantResponse): void;
  revoke(id: bigint, r: LeaseRevokeResponse): void;
  keepAlive(r: LeaseKeepAliveResponse): void;
  timeToLive(r: LeaseTimeToLiveResponse, keys: boolean): void;
  leases(r: LeaseLeasesResponse): void;

  memberAdd(r: MemberAddResponse): void;
  memberRemove(id: bigint, r: MemberRemoveResponse): void;
  memberUpdate(id: bigint, r: MemberUpdateResponse): void;
  memberPromote(id: bigint, r: MemberPromoteResponse): void;
  memberList(r: MemberListResponse): void;

  endpointHealth(list: EndpointHealth[]): void;
  endpointStatus(list: EndpointStatus[]): void;
  endpointHashKV(list: EndpointHashKV[]): void;
  moveLeader(leader: bigint, target: bigint, r: MoveLeaderResponse): void;

  alarm(r: AlarmResponse): void;
  snapshotStatus(s: SnapshotStatus): void;
}
