// etcd's error catalogue: the exact message each client matches on, with its gRPC status code (etcd 3.4's
// rpctypes). Layers below throw errors whose message is one of these; toServiceError maps any thrown value to a
// gRPC status in one place, and the HTTP gateways reuse the same catalogue.
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { ProposalDroppedError } from '../raft/errors';

export const ETCD_ERRORS = {
  emptyKey: { code: Status.INVALID_ARGUMENT, message: "etcdserver: key is not provided" },
  keyNotFound: { code: Status.INVALID_ARGUMENT, message: "etcdserver: key not found" },
  valueProvided: { code: Status.INVALID_ARGUMENT, message: "etcdserver: value is provided" },
  leaseProvided: { code: Status.INVALID_ARGUMENT, message: "etcdserver: lease is provided" },
  tooManyOps: { code: Status.INVALID_ARGUMENT, message: "etcdserver: too many operations in txn request" },
  duplicateKey: { code: Status.INVALID_ARGUMENT, message: "etcdserver: duplicate key given in txn request" },
  compacted: { code: Status.OUT_OF_RANGE, message: "etcdserver: mvcc: required revision has been compacted" },
  futureRev: { code: Status.OUT_OF_RANGE, message: "etcdserver: mvcc: required revision is a future revision" },
  noSpace: { code: Status.RESOURCE_EXHAUSTED, message: "etcdserver: mvcc: database space exceeded" },
  leaseNotFound: { code: Status.NOT_FOUND, message: "etcdserver: requested lease not found" },
  leaseExist: { code: Status.FAILED_PRECONDITION, message: "etcdserver: lease already exists" },
  leaseTTLTooLarge: { code: Status.OUT_OF_RANGE, message: "etcdserver: too large lease TTL" },
  watchCanceled: { code: Status.CANCELLED, message: "etcdserver: watch canceled" },
  memberExist: { code: Status.FAILED_PRECONDITION, message: "etcdserver: member ID already exist" },
  peerURLExist: { code: Status.FAILED_PRECONDITION, message: "etcdserver: Peer URLs already exists" },
  memberNotEnoughStarted: { code: Status.FAILED_PRECONDITION, message: "etcdserver: re-configuration failed due to not enough started members" },
  memberBadURLs: { code: Status.INVALID_ARGUMENT, message: "etcdserver: given member URLs are invalid" },
  memberNotFound: { code: Status.NOT_FOUND, message: "etcdserver: member not found" },
  memberNotLearner: { code: Status.FAILED_PRECONDITION, message: "etcdserver: can only promote a learner member" },
  learnerNotReady: { code: Status.FAILED_PRECONDITION, message: "etcdserver: can only promote a learner member which is in sync with leader" },
  tooManyLearners: { code: Status.FAILED_PRECONDITION, message: "etcdserver: too many learner members in cluster" },
  requestTooLarge: { code: Status.INVALID_ARGUMENT, message: "etcdserver: request is too large" },
  requestTooManyRequests: { code: Status.RESOURCE_EXHAUSTED, message: "etcdserver: too many requests" },
  rootUserNotExist: { code: Status.FAILED_PRECONDITION, message: "etcdserver: root user does not exist" },
  rootRoleNotExist: { code: Status.FAILED_PRECONDITION, message: "etcdserver: root user does not have root role" },
  userAlreadyExist: { code: Status.FAILED_PRECONDITION, message: "etcdserver: user name already exists" },
  userEmpty: { code: Status.INVALID_ARGUMENT, message: "etcdserver: user name is empty" },
  userNotFound: { code: Status.FAILED_PRECONDITION, message: "etcdserver: user name not found" },
  roleAlreadyExist: { code: Status.FAILED_PRECONDITION, message: "etcdserver: role name already exists" },
  roleNotFound: { code: Status.FAILED_PRECONDITION, message: "etcdserver: role name not found" },
  roleEmpty: { code: Status.INVALID_ARGUMENT, message: "etcdserver: role name is empty" },
  authFailed: { code: Status.INVALID_ARGUMENT, message: "etcdserver: authentication failed, invalid user ID or password" },
  permissionDenied: { code: Status.PERMISSION_DENIED, message: "etcdserver: permission denied" },
  roleNotGranted: { code: Status.FAILED_PRECONDITION, message: "etcdserver: role is not granted to the user" },
  permissionNotGranted: { code: Status.FAILED_PRECONDITION, message: "etcdserver: permission is not granted to the role" },
  authNotEnabled: { code: Status.FAILED_PRECONDITION, message: "etcdserver: authentication is not enabled" },
  invalidAuthToken: { code: Status.UNAUTHENTICATED, message: "etcdserver: invalid auth token" },
  invalidAuthMgmt: { code: Status.INVALID_ARGUMENT, message: "etcdserver: invalid auth management" },
  authOldRevision: { code: Status.INVALID_ARGUMENT, message: "etcdserver: revision of auth store is old" },
  noLeader: { code: Status.UNAVAILABLE, message: "etcdserver: no leader" },
  notLeader: { code: Status.FAILED_PRECONDITION, message: "etcdserver: not leader" },
  leaderChanged: { code: Status.UNAVAILABLE, message: "etcdserver: leader changed" },
  notCapable: { code: Status.UNAVAILABLE, message: "etcdserver: not capable" },
  stopped: { code: Status.UNAVAILABLE, message: "etcdserver: server stopped" },
  timeout: { code: Status.UNAVAILABLE, message: "etcdserver: request timed out" },
  timeoutDueToLeaderFail: { code: Status.UNAVAILABLE, message: "etcdserver: request timed out, possibly due to previous leader failure" },
  timeoutDueToConnectionLost: { code: Status.UNAVAILABLE, message: "etcdserver: request timed out, possibly due to connection lost" },
  timeoutWaitAppliedIndex: { code: Status.UNAVAILABLE, message: "etcdserver: request timed out, waiting for the applied index took too long" },
  unhealthy: { code: Status.UNAVAILABLE, message: "etcdserver: unhealthy cluster" },
  corrupt: { code: Status.DATA_LOSS, message: "etcdserver: corrupt cluster" },
  notSupportedForLearner: { code: Status.UNAVAILABLE, message: "etcdserver: rpc not supported for learner" },
  badLeaderTransferee: { code: Status.FAILED_PRECONDITION, message: "etcdserver: bad leader transferee" },
} as const;

export type EtcdErrorName = keyof typeof ETCD_ERRORS;

/** An error from etcd's catalogue; `name` says which one, `code` is its gRPC status. */
export class EtcdError extends Error {
  readonly code: Status;
  constructor(readonly kind: EtcdErrorName) {
    super(ETCD_ERRORS[kind].message);
    this.code = ETCD_ERRORS[kind].code;
  }
}

const codeByMessage = new Map<string, Status>(
  Object.values(ETCD_ERRORS).map((e) => [e.message, e.code] as [string, Status]),
);

/** The gRPC status code and message a client should see for `err`. */
export function statusOf(err: unknown): { code: Status; message: string } {
  if (err instanceof EtcdError) return { code: err.code, message: err.message };
  if (err instanceof ProposalDroppedError) return ETCD_ERRORS.noLeader;
  if (err instanceof Error) {
    const direct = codeByMessage.get(err.message);
    if (direct !== undefined) return { code: direct, message: err.message };
    // Lower layers (mvcc, lease, auth) may use etcd's message without the "etcdserver: " prefix the wire carries.
    const prefixed = 'etcdserver: ' + err.message;
    const code = codeByMessage.get(prefixed);
    if (code !== undefined) return { code, message: prefixed };
    // An error from a gRPC call to another member: pass its status on as the client would have seen it there.
    const { code: grpcCode, details } = err as Partial<ServiceError>;
    if (typeof grpcCode === 'number') return { code: grpcCode, message: details || err.message };
    return { code: Status.UNKNOWN, message: err.message };
  }
  return { code: Status.UNKNOWN, message: String(err) };
}

export function toServiceError(err: unknown): Partial<ServiceError> {
  const { code, message } = statusOf(err);
  return { code, details: message, message, metadata: new Metadata() };
}
