// The HTTP/1.1 side of a client URL: /health, /version and /metrics as etcd 3.4 serves them. The v2
// API and the v3 JSON gateway add their routes to the same Fastify instance.
import http from 'node:http';
import Fastify, { FastifyInstance, FastifyReply } from 'fastify';
import { ETCD_VERSION } from '../config/help';
import { registerAccessControl } from './access-control';
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './metrics';

export interface HealthStatus {
  ok: boolean;
  reason?: string;
}

export interface HttpAppDeps {
  /** Whether the member can serve; `exclude` lists alarm names the caller chose to ignore (?exclude=NOSPACE). */
  health(exclude: string[]): Promise<HealthStatus>;
  /** The cluster version ("3.4.0"), or undefined while it is not decided yet. */
  clusterVersion(): string | undefined;
  metrics: MetricsRegistry;
  /** Largest request body accepted, in bytes (Fastify's bodyLimit). */
  bodyLimit?: number;
  /** --cors origins; default ['*']. */
  cors?: string[];
  /** --host-whitelist; default ['*']. */
  hostWhitelist?: string[];
}

// Go's net/http answers with text/plain bodies; etcd clients and scripts sometimes match on them.
const GO_TEXT = 'text/plain; charset=utf-8';

function methodNotAllowed(reply: FastifyReply, allow: string): FastifyReply {
  return reply
    .code(405)
    .header('allow', allow)
    .header('content-type', GO_TEXT)
    .header('x-content-type-options', 'nosniff')
    .send('Method Not Allowed\n');
}

function excludedAlarms(query: unknown): string[] {
  const value = (query as Record<string, unknown> | undefined)?.exclude;
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * A Fastify instance running on a plain http.Server that never listens itself: the client
 * listener hands it HTTP/1.1 connections (see client-listener.ts). Call `await app.ready()`
 * after all routes are registered.
 */
export function buildHttpApp(deps: HttpAppDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit,
    serverFactory: (handler) => http.createServer(handler),
    // etcd still answers the v3 gateway's old /v3beta/ prefix.
    rewriteUrl: (req) => (req.url?.startsWith('/v3beta/') ? `/v3/${req.url.slice('/v3beta/'.length)}` : req.url ?? '/'),
  });
  registerAccessControl(app, { cors: deps.cors ?? ['*'], hostWhitelist: deps.hostWhitelist ?? ['*'] });
  const healthSuccess = deps.metrics.counter('etcd_server_health_success', 'Health checks that passed.');
  const healthFailures = deps.metrics.counter('etcd_server_health_failures', 'Health checks that failed.');

  app.all('/health', async (request, reply) => {
    if (request.method !== 'GET') return methodNotAllowed(reply, 'GET');
    const status = await deps.health(excludedAlarms(request.query));
    reply.header('content-type', GO_TEXT);
    if (status.ok) {
      healthSuccess.inc();
      return reply.code(200).send('{"health":"true"}');
    }
    healthFailures.inc();
    const body = JSON.stringify({ health: 'false', reason: status.reason ?? '' });
    return reply.code(503).header('x-content-type-options', 'nosniff').send(`${body}\n`);
  });

  app.all('/version', async (request, reply) => {
    if (request.method !== 'GET') return methodNotAllowed(reply, 'GET');
    const body = JSON.stringify({ etcdserver: ETCD_VERSION, etcdcluster: deps.clusterVersion() ?? 'not_decided' });
    // A Buffer keeps Fastify from appending "; charset=utf-8", which etcd does not send here.
    return reply.header('content-type', 'application/json').send(Buffer.from(body));
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.header('content-type', PROMETHEUS_CONTENT_TYPE).send(deps.metrics.render());
  });

  app.setNotFoundHandler(async (_request, reply) => {
    return reply.code(404).header('content-type', GO_TEXT).header('x-content-type-options', 'nosniff').send('404 page not found\n');
  });

  return app;
}
