// gRPC front end of the Lock and Election services. Their calls may wait for a long time, so each handler hands the
// service an AbortSignal that fires when the client cancels (or disconnects). Like every other service, they act
// for the caller the call's credentials name, so auth checks each key they touch.
import * as grpc from '@grpc/grpc-js';
import { ElectionService, type LeaderRequest, type LeaderResponse } from '../gen/v3electionpb/v3election';
import { LockService } from '../gen/v3lockpb/v3lock';
import type { AuthApi, Caller } from './api';
import { statusOf } from './errors';
import { callerOf, type CallCredentials } from './grpc-caller';
import type { RecipeApi } from './prefix-queue';
import { V3Election } from './v3election';
import { V3Lock } from './v3lock';

/** Works out who a call comes from (grpc-services.ts passes the same rule its own handlers use). */
export type CallerLookup = (call: CallCredentials) => Promise<Caller | undefined>;

export function addLockAndElectionServices(
  server: grpc.Server,
  api: RecipeApi & AuthApi,
  who: CallerLookup = (call) => callerOf(api, call, false),
): void {
  const lock = new V3Lock(api);
  const election = new V3Election(api);
  const handle = <Req, Res>(fn: (req: Req, signal: AbortSignal, caller: Caller | undefined) => Promise<Res>) =>
    cancellable(who, fn);
  server.addService(LockService, {
    lock: handle((req, signal, caller) => lock.lock(req, signal, caller)),
    unlock: handle((req, _signal, caller) => lock.unlock(req, caller)),
  });
  server.addService(ElectionService, {
    campaign: handle((req, signal, caller) => election.campaign(req, signal, caller)),
    proclaim: handle((req, _signal, caller) => election.proclaim(req, caller)),
    leader: handle((req, _signal, caller) => election.leader(req, caller)),
    resign: handle((req, _signal, caller) => election.resign(req, caller)),
    observe: (call: grpc.ServerWritableStream<LeaderRequest, LeaderResponse>) => serveObserve(election, who, call),
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

function cancellable<Req, Res>(
  who: CallerLookup,
  fn: (req: Req, signal: AbortSignal, caller: Caller | undefined) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const signal = callSignal(call);
    who(call)
      .then((caller) => fn(call.request, signal, caller))
      .then(
        (res) => callback(null, res),
        (err) => callback(asUnknown(err)),
      );
  };
}

function serveObserve(
  election: V3Election,
  who: CallerLookup,
  call: grpc.ServerWritableStream<LeaderRequest, LeaderResponse>,
): void {
  const signal = callSignal(call);
  const send = (resp: LeaderResponse): void => {
    if (!call.destroyed) call.write(resp);
  };
  who(call)
    .then((caller) => election.observe(call.request, send, signal, caller))
    .then(
      () => {
        if (!signal.aborted && !call.destroyed) call.end();
      },
      (err) => {
        // Only the caller lookup can fail here (observe itself ends quietly): refuse the stream with its error.
        if (!call.destroyed) call.emit('error', asUnknown(err));
      },
    );
}
