// The streamed routes: watch and lease keep-alive (a stream of requests in the body, a stream of results out),
// snapshot and election observe (one request, a stream of results).
import type { Readable } from 'node:stream';
import { status as Status } from '@grpc/grpc-js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LeaseKeepAliveRequest, WatchRequest } from '../../src/gen/etcdserverpb/rpc';
import type { LeaderRequest } from '../../src/gen/v3electionpb/v3election';
import type { ServiceApi } from '../../src/server/api';
import { statusOf } from '../../src/server/errors';
import type { CallerOf } from './caller';
import { decodeFirst, type JsonValue } from './go-json';
import { decodeRequest, encodeMessage } from './json-codec';
import { jsonValues, readBody, requestErrorStatus, ResultStream, sendError } from './http-io';
import { embeddedClientStatus, type ElectionApi } from './lock-election';
import type { MessagePlan, ProtoSchema } from './proto-schema';

export type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface StreamRoute {
  /** Path below the /v3 prefix. */
  path: string;
  handler: RouteHandler;
}

function bodyOf(request: FastifyRequest): Readable | undefined {
  return request.body as Readable | undefined;
}

/**
 * Reads the first message of a bidirectional stream: grpc-gateway decodes it before answering, so a bad one is a
 * plain error response. Returns null once it has answered that error, undefined for an empty body.
 */
async function firstMessage<T>(
  values: AsyncGenerator<JsonValue>,
  plan: MessagePlan,
  reply: FastifyReply,
): Promise<T | undefined | null> {
  try {
    const next = await values.next();
    return next.done ? undefined : (decodeRequest(plan, next.value) as T);
  } catch (err) {
    const { code, message } = requestErrorStatus(err, Status.UNKNOWN);
    sendError(reply, code, message, false);
    return null;
  }
}

/**
 * The later messages of a bidirectional stream, in order. A message that does not decode ends the requests
 * silently, as grpc-gateway stops forwarding at the first one it cannot read.
 */
async function* laterMessages<T>(values: AsyncGenerator<JsonValue>, plan: MessagePlan): AsyncGenerator<T> {
  try {
    for await (const value of values) yield decodeRequest(plan, value) as T;
  } catch {
    // Nothing to report: the response stream goes on without further requests.
  }
}

/** Decodes the single request of a server-streaming call, answering the error itself (returns undefined) if bad. */
async function onlyMessage<T>(request: FastifyRequest, reply: FastifyReply, plan: MessagePlan): Promise<T | undefined> {
  try {
    return decodeRequest(plan, decodeFirst(await readBody(bodyOf(request), request.routeOptions.bodyLimit))) as T;
  } catch (err) {
    const { code, message } = requestErrorStatus(err, Status.INVALID_ARGUMENT);
    sendError(reply, code, message, false);
    return undefined;
  }
}

function watchRoute(api: ServiceApi, schema: ProtoSchema, callerOf: CallerOf): StreamRoute {
  const requestPlan = schema.message('etcdserverpb.WatchRequest');
  const responsePlan = schema.message('etcdserverpb.WatchResponse');
  const handler: RouteHandler = async (request, reply) => {
    const values = jsonValues(bodyOf(request));
    const first = await firstMessage<WatchRequest>(values, requestPlan, reply);
    if (first === null) return reply;
    // A refused token does not fail the stream: each watch it asks for is canceled with the refusal, as in etcd.
    const caller = await callerOf(request).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    const out = new ResultStream(reply);
    out.open();
    const watches = api.openWatchStream((resp) => void out.result(encodeMessage(responsePlan, resp)));
    out.onClose(() => watches.close());
    const forward = (req: WatchRequest): void => {
      if (req.createRequest) watches.create(req.createRequest, caller);
      else if (req.cancelRequest) watches.cancel(req.cancelRequest.watchId);
      else if (req.progressRequest) watches.requestProgress();
    };
    try {
      if (first) forward(first);
      for await (const req of laterMessages<WatchRequest>(values, requestPlan)) {
        if (out.isClosed) break;
        forward(req);
      }
    } catch (err) {
      out.fail(statusOf(err));
    }
    // The watch outlives the request body: it ends when the client goes away.
  };
  return { path: '/watch', handler };
}

function keepAliveRoute(api: ServiceApi, schema: ProtoSchema): StreamRoute {
  const requestPlan = schema.message('etcdserverpb.LeaseKeepAliveRequest');
  const responsePlan = schema.message('etcdserverpb.LeaseKeepAliveResponse');
  const handler: RouteHandler = async (request, reply) => {
    const values = jsonValues(bodyOf(request));
    const first = await firstMessage<LeaseKeepAliveRequest>(values, requestPlan, reply);
    if (first === null) return reply;
    const out = new ResultStream(reply);
    out.open();
    const renew = async (req: LeaseKeepAliveRequest): Promise<void> => {
      let ttl: bigint;
      try {
        ttl = await api.leaseRenew(req.ID);
      } catch (err) {
        // etcd answers a keep-alive for an unknown lease with TTL 0 rather than failing the stream.
        if (statusOf(err).code !== Status.NOT_FOUND) throw err;
        ttl = 0n;
      }
      await out.result(encodeMessage(responsePlan, { header: api.header(), ID: req.ID, TTL: ttl }));
    };
    try {
      if (first) await renew(first);
      for await (const req of laterMessages<LeaseKeepAliveRequest>(values, requestPlan)) {
        if (out.isClosed) break;
        await renew(req);
      }
      // etcd ends the keep-alive stream once the client has nothing more to send.
      out.end();
    } catch (err) {
      out.fail(statusOf(err));
    }
  };
  return { path: '/lease/keepalive', handler };
}

function snapshotRoute(api: ServiceApi, schema: ProtoSchema, callerOf: CallerOf): StreamRoute {
  const requestPlan = schema.message('etcdserverpb.SnapshotRequest');
  const responsePlan = schema.message('etcdserverpb.SnapshotResponse');
  const handler: RouteHandler = async (request, reply) => {
    if ((await onlyMessage(request, reply, requestPlan)) === undefined) return reply;
    const out = new ResultStream(reply);
    try {
      const { size, chunks } = await api.snapshot(await callerOf(request));
      // etcd's snapshot messages carry no header, only the bytes and how many are still to come.
      let remaining = size;
      for await (const blob of chunks) {
        if (out.isClosed) break;
        remaining -= blob.length;
        await out.result(encodeMessage(responsePlan, { remainingBytes: BigInt(remaining), blob }));
      }
      out.end();
    } catch (err) {
      out.fail(statusOf(err));
    }
  };
  return { path: '/maintenance/snapshot', handler };
}

function observeRoute(election: ElectionApi, schema: ProtoSchema, callerOf: CallerOf): StreamRoute {
  const requestPlan = schema.message('v3electionpb.LeaderRequest');
  const responsePlan = schema.message('v3electionpb.LeaderResponse');
  const handler: RouteHandler = async (request, reply) => {
    const req = await onlyMessage<LeaderRequest>(request, reply, requestPlan);
    if (req === undefined) return reply;
    const out = new ResultStream(reply);
    const abort = new AbortController();
    out.onClose(() => abort.abort());
    try {
      const caller = await callerOf(request);
      await election.observe(req, (resp) => void out.result(encodeMessage(responsePlan, resp)), abort.signal, caller);
      out.end();
    } catch (err) {
      out.fail(embeddedClientStatus(err));
    }
  };
  return { path: '/election/observe', handler };
}

export function streamRoutes(api: ServiceApi, schema: ProtoSchema, callerOf: CallerOf, election?: ElectionApi): StreamRoute[] {
  const routes = [watchRoute(api, schema, callerOf), keepAliveRoute(api, schema), snapshotRoute(api, schema, callerOf)];
  if (election) routes.push(observeRoute(election, schema, callerOf));
  return routes;
}
