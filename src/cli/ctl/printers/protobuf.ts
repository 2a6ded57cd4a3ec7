// `-w protobuf`: the response message's wire encoding, for the results that are protobuf messages.
import {
  DeleteRangeResponse,
  MemberAddResponse,
  MemberListResponse,
  MemberRemoveResponse,
  MemberUpdateResponse,
  AlarmResponse,
  MoveLeaderResponse,
  PutResponse,
  RangeResponse,
  TxnResponse,
  WatchResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveResponse,
  LeaseLeasesResponse,
} from '../../../gen/etcdserverpb/rpc';
import type { Output, Printer } from './types';
import { unsupportedPrinter } from './unsupported';
import { CtlError, ExitCode } from '../errors';

export function protobufPrinter(out: Output): Printer {
  const write = <T>(fns: { encode(m: T): { finish(): Uint8Array } }, m: T): void => out.raw(fns.encode(m).finish());
  // clientv3 wraps lease grant and keep-alive answers in its own structs, which etcdctl cannot marshal.
  const notMessage = (what: string) => (): never => {
    throw new CtlError(ExitCode.badFeature, `marshal unsupported for type ${what}`);
  };
  return {
    ...unsupportedPrinter('protobuf'),
    del: (r) => write(DeleteRangeResponse, r),
    get: (r) => write(RangeResponse, r),
    put: (r) => write(PutResponse, r),
    txn: (r) => write(TxnResponse, r),
    watch: (r) => write(WatchResponse, { ...r, watchId: 0n, cancelReason: '', fragment: false }),
    grant: notMessage('clientv3.LeaseGrantResponse'),
    keepAlive: notMessage('clientv3.LeaseKeepAliveResponse'),
    revoke: (_id, r) => write(LeaseRevokeResponse, r),
    timeToLive: (r) => write(LeaseTimeToLiveResponse, r),
    leases: (r) => write(LeaseLeasesResponse, r),
    memberAdd: (r) => write(MemberAddResponse, r),
    memberRemove: (_id, r) => write(MemberRemoveResponse, r),
    memberUpdate: (_id, r) => write(MemberUpdateResponse, r),
    memberList: (r) => write(MemberListResponse, r),
    moveLeader: (_l, _t, r) => write(MoveLeaderResponse, r),
    alarm: (r) => write(AlarmResponse, r),
  };
}
