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
import type { ServiceApi } from './api';
import { toServiceError } from './errors';
import { addLockAndElectionServices } from './grpc-lock-election';

export interface GrpcOptions {
  maxRequestBytes: number;
  keepaliveMinTimeMs: number;
  keepaliveIntervalMs: number;
  keepaliveTimeoutMs: number;
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

export function createGrpcServer(api: ServiceApi, opts: GrpcOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': 2 ** 31 - 1,
    'grpc.keepalive_time_ms': opts.keepaliveIntervalMs,
    'grpc.keepalive_timeout_ms': opts.keepaliveTimeoutMs,
    'grpc.http2.min_ping_interval_without_data_ms': opts.keepaliveMinTimeMs,
    'grpc.keepalive_permit_without_calls': 1,
  });

  server.addService(KVService, {
    range: unary((req) => api.range(req)),
    put: unary((req) => api.put(req)),
    deleteRange: unary((req) => api.deleteRange(req)),
    txn: unary((req) => api.txn(req)),
    compact: unary((req) => api.compact(req)),
  });

  const watch: WatchServer = { watch: (call) => serveWatch(api, call) };
  server.addService(WatchService, watch);

  server.addService(LeaseService, {
    leaseGrant: unary((req) => api.leaseGrant(req)),
    leaseRevoke: unary((req) => api.leaseRevoke(req)),
    leaseKeepAlive: (call: grpc.ServerDuplexStream<LeaseKeepAliveRequest, LeaseKeepAliveResponse>) =>
      serveKeepAlive(api, call),
    leaseTimeToLive: unary((req) => api.leaseTimeToLive(req)),
    leaseLeases: unary(() => api.leaseLeases()),
  });

  server.addService(ClusterService, {
    memberAdd: unary((req) => api.memberAdd(req)),
    memberRemove: unary((req) => api.memberRemove(req.ID)),
    memberUpdate: unary((req) => api.memberUpdate(req)),
    memberList: unary((req) => api.memberList(req.linearizable)),
    memberPromote: unary((req) => api.memberPromote(req.ID)),
  });

  server.addService(MaintenanceService, {
    alarm: unary((req) => api.alarm(req)),
    status: unary(() => api.status()),
    defragment: unary(async () => {
      await api.defragment();
      return { header: api.header() };
    }),
    hash: unary(() => api.hash()),
    hashKv: unary((req) => api.hashKV(req.revision)),
    snapshot: (call: grpc.ServerWritableStream<unknown, SnapshotResponse>) => serveSnapshot(api, call),
    moveLeader: unary(async (req) => {
      await api.moveLeader(req.targetID);
      return { header: api.header() };
    }),
  });

  // Until the security issue lands, every Auth call answers UNIMPLEMENTED: grpc-js does that for an empty implementation.
  server.addService(AuthService, {});
  addLockAndElectionServices(server, api);
  return server;
}

function serveWatch(api: ServiceApi, call: grpc.ServerDuplexStream<WatchRequest, WatchResponse>): void {
  const stream = api.openWatchStream((resp) => {
    if (!call.destroyed) call.write(resp);
  });
  call.on('data', (req: WatchRequest) => {
    if (req.createRequest) stream.create(req.createRequest);
    else if (req.cancelRequest) stream.cancel(req.cancelRequest.watchId);
    else if (req.progressRequest) stream.requestProgress();
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
        else call.destroy(Object.assign(new Error(toServiceError(err).message), toServiceError(err)));
      },
    );
  });
  call.on('end', () => call.end());
}

function serveSnapshot(api: ServiceApi, call: grpc.ServerWritableStream<unknown, SnapshotResponse>): void {
  (async () => {
    const { size, chunks } = await api.snapshot();
    // remaining_bytes tells the client how much is left after each chunk, as etcd's stream does.
    let remaining = size;
    for await (const blob of chunks) {
      remaining -= blob.length;
      const ok = call.write({ header: api.header(), remainingBytes: BigInt(remaining), blob });
      if (!ok) await new Promise((resolve) => call.once('drain', resolve));
    }
    call.end();
  })().catch((err) => call.destroy(Object.assign(new Error(toServiceError(err).message), toServiceError(err))));
}
