// etcd 3.4's v3 JSON gateway (grpc-gateway) on Fastify: every route under /v3/ and its old /v3beta/ alias.
import { status as Status } from '@grpc/grpc-js';
import type { FastifyInstance, FastifyReply, HTTPMethods } from 'fastify';
import type { Readable } from 'node:stream';
import type { ServiceApi } from '../../src/server/api';
import { authOf } from '../auth-of';
import { tokenCaller, type CallerOf } from './caller';
import { decodeFirst } from './go-json';
import { decodeRequest, encodeMessage } from './json-codec';
import { readBody, requestErrorStatus, sendError, sendJson } from './http-io';
import type { ElectionApi, LockApi } from './lock-election';
import { loadProtoSchema, type ProtoSchema } from './proto-schema';
import { streamRoutes, type RouteHandler } from './stream-routes';
import { authRoutes, electionRoutes, lockRoutes, serviceRoutes, type UnaryRoute } from './unary-routes';

export interface V3GatewayOptions {
  /** Serve /v3/lock/* through this; without it those paths answer 404, like any unknown path. */
  lock?: LockApi;
  /** Serve /v3/election/* through this. */
  election?: ElectionApi;
  /** Message plans to use instead of loading proto/ again (tests and several gateways can share one). */
  schema?: ProtoSchema;
}

// etcd serves the pre-3.4 /v3beta/ paths by rewriting them to /v3/; routing both here needs no rewrite.
const PREFIXES = ['/v3', '/v3beta'];
const OTHER_METHODS: HTTPMethods[] = ['GET', 'PUT', 'DELETE', 'PATCH'];
const GO_TEXT = 'text/plain; charset=utf-8';

function unaryHandler(route: UnaryRoute, schema: ProtoSchema, callerOf: CallerOf): RouteHandler {
  const requestPlan = schema.message(route.request);
  const responsePlan = schema.message(route.response);
  return async (request, reply) => {
    let req: unknown;
    try {
      const body = await readBody(request.body as Readable | undefined, request.routeOptions.bodyLimit);
      req = decodeRequest(requestPlan, decodeFirst(body));
    } catch (err) {
      const { code, message } = requestErrorStatus(err, Status.INVALID_ARGUMENT);
      return sendError(reply, code, message, false);
    }
    // Calls that wait (lock, campaign) give up when the client does.
    const abort = new AbortController();
    reply.raw.once('close', () => abort.abort());
    try {
      const resp = await route.call(req, abort.signal, () => callerOf(request));
      return sendJson(reply, encodeMessage(responsePlan, resp ?? {}));
    } catch (err) {
      const { code, message } = route.errorStatus(err);
      return sendError(reply, code, message, true);
    }
  };
}

// Go's ServeMux answers paths it does not know, and known paths with another method, in plain text.
function plainText(reply: FastifyReply, code: number, text: string): FastifyReply {
  return reply.code(code).header('content-type', GO_TEXT).header('x-content-type-options', 'nosniff').send(text + '\n');
}

/**
 * Adds etcd 3.4's v3 JSON gateway to `app`. The routes live in their own encapsulated plugin (they read request
 * bodies themselves, whatever the Content-Type), so they exist once `app.ready()` has run.
 */
export function registerV3Gateway(app: FastifyInstance, api: ServiceApi, options: V3GatewayOptions = {}): void {
  const schema = options.schema ?? loadProtoSchema();
  const auth = authOf(api);
  const callerOf = tokenCaller(auth);
  const unary = [
    ...serviceRoutes(api),
    ...authRoutes(auth),
    ...(options.lock ? lockRoutes(options.lock) : []),
    ...(options.election ? electionRoutes(options.election) : []),
  ];
  const routes = [
    ...unary.map((r) => ({ path: r.path, handler: unaryHandler(r, schema, callerOf) })),
    ...streamRoutes(api, schema, callerOf, options.election),
  ];

  app.register(async (scope) => {
    // grpc-gateway decodes every body as JSON whatever it is labelled, and streamed bodies must not be buffered.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    for (const prefix of PREFIXES) {
      for (const { path, handler } of routes) {
        scope.post(prefix + path, handler);
        scope.route({ method: OTHER_METHODS, url: prefix + path, handler: async (_req, reply) => plainText(reply, 405, 'Method Not Allowed') });
      }
      scope.route({ method: [...OTHER_METHODS, 'POST'], url: prefix + '/*', handler: async (_req, reply) => plainText(reply, 404, 'Not Found') });
    }
  });
}
