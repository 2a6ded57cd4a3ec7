// etcd's v3 gRPC services on grpc-js: each handler only translates between the call and the service layer.
import * as grpc from '@grpc/grpc-js';
import {
  AuthService,
  ClusterService,
  KVService,
  LeaseService,
  MaintenanceService,
  WatchService,
  type LeaseKeepAliveRequest,
  type LeaseKeepAliveResponse,
  type SnapshotResponse,
  type WatchRequest,
  type WatchResponse,
  type WatchServer,
} from '../gen/etcdserverpb/rpc';
import type { AuthApi, Caller, ServiceApi } from './api';
import { toServiceError } from './errors';
import { rememberingRawRequests } from './raw-requests';
import { callerOf, type CallCredentials, type PeerCommonName } from './grpc-caller';
import { addLockAndElectionServices } from './grpc-lock-election';

export interface GrpcOptions {
  maxRequestBytes: number;
  keepaliveMinTimeMs: number;
  keepaliveIntervalMs: number;
  keepaliveTimeoutMs: number;
  /** --client-cert-auth: a verified client certificate's CN names the user when no token is given. */
  clientCertAuth?: boolean;
  /** Where to find that CN when the client listener, not grpc-js, terminates TLS. */
  peerCommonName?: PeerCommonName;
}

/** etcd lets gRPC messages exceed --max-request-bytes by this much, so the too-large check is its own. */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

export function unary<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (err) => callback(toServiceError(err)),
    );
  };
}

export function createGrpcServer(api: ServiceApi & AuthApi, opts: GrpcOptions): grpc.Server {
  const who = (call: CallCredentials): Promise<Caller | undefined> => callerOf(api, call, opts.clientCertAuth ?? false, opts.peerCommonName);
  /** A unary handler that first works out who is calling. */
  const authed =
    <Req, Res>(fn: (req: Req, caller: Caller | undefined) => Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      who(call)
        .then((caller) => fn(call.request, caller))
        .then(
          (res) => callback(null, res),
          (err) => callback(toServiceError(err)),
        );
    };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': 2 ** 31 - 1,
    'grpc.keepalive_time_ms': opts.keepaliveIntervalMs,
    'grpc.keepalive_timeout_ms': opts.keepaliveTimeoutMs,
    'grpc.http2.min_ping_interval_without_data_ms': opts.keepaliveMinTimeMs,
    'grpc.keepalive_permit_without_calls': 1,
  });

  // Writes are proposed from the bytes they arrived in (see raw-requests.ts).
  server.addService(rememberingRawRequests(KVService), {
    range: authed((req, caller) => api.range(req, caller)),
    put: authed((req, caller) => api.put(req, caller)),
    deleteRange: authed((req, caller) => api.deleteRange(req, caller)),
    txn: authed((req, caller) => api.txn(req, caller)),
    compact: authed((req, caller) => api.compact(req, caller)),
  });

  const watch: WatchServer = { watch: (call) => serveWatch(api, call, who) };
  server.addService(WatchService, watch);

  server.addService(LeaseService, {
    leaseGrant: unary((req) => api.leaseGrant(req)),
    leaseRevoke: authed((req, caller) => api.leaseRevoke(req, caller)),
    leaseKeepAlive: (call: grpc.ServerDuplexStream<LeaseKeepAliveRequest, LeaseKeepAliveResponse>) =>
      serveKeepAlive(api, call),
    leaseTimeToLive: unary((req) => api.leaseTimeToLive(req)),
    leaseLeases: unary(() => api.leaseLeases()),
  });

  server.addService(ClusterService, {
    memberAdd: authed((req, caller) => api.memberAdd(req, caller)),
    memberRemove: authed((req, caller) => api.memberRemove(req.ID, caller)),
    memberUpdate: authed((req, caller) => api.memberUpdate(req, caller)),
    memberList: unary((req) => api.memberList(req.linearizable)),
    memberPromote: authed((req, caller) => api.memberPromote(req.ID, caller)),
  });

  server.addService(MaintenanceService, {
    alarm: unary((req) => api.alarm(req)),
    status: unary(() => api.status()),
    defragment: authed(async (_req, caller) => {
      await api.defragment(caller);
      return { header: api.header() };
    }),
    hash: authed((_req, caller) => api.hash(caller)),
    hashKv: authed((req, caller) => api.hashKV(req.revision, caller)),
    snapshot: (call: grpc.ServerWritableStream<unknown, SnapshotResponse>) => serveSnapshot(api, call, who),
    moveLeader: unary(async (req) => {
      await api.moveLeader(req.targetID);
      return { header: api.header() };
    }),
  });

  server.addService(AuthService, {
    authEnable: authed((_req, caller) => api.authEnable(caller)),
    authDisable: authed((_req, caller) => api.authDisable(caller)),
    authenticate: unary((req) => api.authenticate(req)),
    userAdd: authed((req, caller) => api.userAdd(req, caller)),
    userGet: authed((req, caller) => api.userGet(req, caller)),
    userList: authed((_req, caller) => api.userList(caller)),
    userDelete: authed((req, caller) => api.userDelete(req, caller)),
    userChangePassword: authed((req, caller) => api.userChangePassword(req, caller)),
    userGrantRole: authed((req, caller) => api.userGrantRole(req, caller)),
    userRevokeRole: authed((req, caller) => api.userRevokeRole(req, caller)),
    roleAdd: authed((req, caller) => api.roleAdd(req, caller)),
    roleGet: authed((req, caller) => api.roleGet(req, caller)),
    roleList: authed((_req, caller) => api.roleList(caller)),
    roleDelete: authed((req, caller) => api.roleDelete(req, caller)),
    roleGrantPermission: authed((req, caller) => api.roleGrantPermission(req, caller)),
    roleRevokePermission: authed((req, caller) => api.roleRevokePermission(req, caller)),
  });
  addLockAndElectionServices(server, api, who);
  return server;
}

function serveWatch(
  api: ServiceApi,
  call: grpc.ServerDuplexStream<WatchRequest, WatchResponse>,
  who: (call: CallCredentials) => Promise<Caller | undefined>,
): void {
  const stream = api.openWatchStream((resp) => {
    if (!call.destroyed) call.write(resp);
  });
  // Credentials are looked up again for every create (as etcd does); the chain keeps requests in their order.
  let pending: Promise<void> = Promise.resolve();
  call.on('data', (req: WatchRequest) => {
    pending = pending.then(async () => {
      if (req.createRequest) stream.create(req.createRequest, await who(call).catch((err: Error) => err));
      else if (req.cancelRequest) stream.cancel(req.cancelRequest.watchId);
      else if (req.progressRequest) stream.requestProgress();
    });
  });
  const finish = (): void => {
    stream.close();
    if (!call.destroyed) call.end();
  };
  call.on('end', finish);
  call.on('error', () => stream.close());
  call.on('cancelled', () => stream.close());
}

function serveKeepAlive(
  api: ServiceApi,
  call: grpc.ServerDuplexStream<LeaseKeepAliveRequest, LeaseKeepAliveResponse>,
): void {
  call.on('data', (req: LeaseKeepAliveRequest) => {
    api.leaseRenew(req.ID).then(
      (ttl) => {
        if (!call.destroyed) call.write({ header: api.header(), ID: req.ID, TTL: ttl });
      },
      (err) => {
        // etcd answers a keep-alive for an unknown lease with TTL 0 on the stream, and ends it on other errors.
        if (call.destroyed) return;
        if (toServiceError(err).code === grpc.status.NOT_FOUND) call.write({ header: api.header(), ID: req.ID, TTL: 0n });
        // grpc-js sends a stream's error status when 'error' is emitted on it (destroy() would send none).
        else call.emit('error', toServiceError(err));
      },
    );
  });
  call.on('end', () => call.end());
}

function serveSnapshot(
  api: ServiceApi,
  call: grpc.ServerWritableStream<unknown, SnapshotResponse>,
  who: (call: CallCredentials) => Promise<Caller | undefined>,
): void {
  (async () => {
    const { size, chunks } = await api.snapshot(await who(call));
    // remaining_bytes tells the client how much is left after each chunk, as etcd's stream does.
    let remaining = size;
    for await (const blob of chunks) {
      remaining -= blob.length;
      const ok = call.write({ header: api.header(), remainingBytes: BigInt(remaining), blob });
      if (!ok) await new Promise((resolve) => call.once('drain', resolve));
    }
    call.end();
  })()
    // grpc-js turns an 'error' event into the call's status; destroy() would end the call without any status.
    .catch((err) => call.emit('error', toServiceError(err)));
}
