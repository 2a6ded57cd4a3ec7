// gRPC front end of the Lock and Election services. Their calls may wait for a long time, so each handler hands the
// service an AbortSignal that fires when the client cancels (or disconnects).
import * as grpc from '@grpc/grpc-js';
import { ElectionService, type LeaderRequest, type LeaderResponse } from '../gen/v3electionpb/v3election';
import { LockService } from '../gen/v3lockpb/v3lock';
import { statusOf } from './errors';
import type { RecipeApi } from './prefix-queue';
import { V3Election } from './v3election';
import { V3Lock } from './v3lock';

export function addLockAndElectionServices(server: grpc.Server, api: RecipeApi): void {
  const lock = new V3Lock(api);
  const election = new V3Election(api);
  server.addService(LockService, {
    lock: cancellable((req, signal) => lock.lock(req, signal)),
    unlock: cancellable((req) => lock.unlock(req)),
  });
  server.addService(ElectionService, {
    campaign: cancellable((req, signal) => election.campaign(req, signal)),
    proclaim: cancellable((req) => election.proclaim(req)),
    leader: cancellable((req) => election.leader(req)),
    resign: cancellable((req) => election.resign(req)),
    observe: (call: grpc.ServerWritableStream<LeaderRequest, LeaderResponse>) => serveObserve(election, call),
  });
}

/**
 * etcd serves these services through an embedded client, which hands every failure back as a plain error: the
 * client sees status UNKNOWN with etcd's message, even for errors that the KV service reports with their own code.
 */
function asUnknown(err: unknown): Partial<grpc.ServiceError> {
  const { code, message } = statusOf(err);
  const status = code === grpc.status.CANCELLED ? code : grpc.status.UNKNOWN;
  return { code: status, details: message, message, metadata: new grpc.Metadata() };
}

function callSignal(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  return controller.signal;
}

function cancellable<Req, Res>(fn: (req: Req, signal: AbortSignal) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request, callSignal(call)).then(
      (res) => callback(null, res),
      (err) => callback(asUnknown(err)),
    );
  };
}

function serveObserve(election: V3Election, call: grpc.ServerWritableStream<LeaderRequest, LeaderResponse>): void {
  const signal = callSignal(call);
  const send = (resp: LeaderResponse): void => {
    if (!call.destroyed) call.write(resp);
  };
  election.observe(call.request, send, signal).then(() => {
    if (!signal.aborted && !call.destroyed) call.end();
  });
}
