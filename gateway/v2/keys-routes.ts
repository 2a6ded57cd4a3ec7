// /v2/keys: parses a request like etcd's v2 HTTP handler, picks the store operation etcd's applier would
// (set, create, update, compareAndSwap, delete, compareAndDelete, get, or a watch) and writes the event with
// etcd's headers and status codes. Each request acts for the v3 user its basic credentials name (basic-auth.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller, ServiceApi } from '../../src/server/api';
import { actingFor } from '../../src/server/prefix-queue';
import { authOf } from '../auth-of';
import { asInsufficientCredentials, basicAuthCaller } from './basic-auth';
import { asV2Error } from './errors';
import { clusterIdHeader, methodNotAllowed, sendJson, sendV2Error, JSON_TYPE } from './http-reply';
import { Keyspace } from './keyspace';
import { renderEvent, type V2Event } from './node-json';
import { KEYS_PREFIX, parseKeyRequest, type V2Method, type V2Request } from './params';
import type { StoreStats } from './stats';
import { V2Store, type V2Result, type WriteOptions } from './store';
import { startV2Watch } from './watch';

const ALLOWED: V2Method[] = ['HEAD', 'GET', 'PUT', 'POST', 'DELETE'];

/** etcd ends a long poll that saw nothing after five minutes; the client simply asks again. */
export const WATCH_TIMEOUT_MS = 5 * 60 * 1000;

export interface V2KeysOptions {
  /** Where the v2 tree lives in the v3 keyspace. */
  prefix?: string;
  /** Shared with /v2/stats/store. */
  stats?: StoreStats;
  watchTimeoutMs?: number;
}

export function registerV2Keys(app: FastifyInstance, api: ServiceApi, opts: V2KeysOptions = {}): V2Store {
  const ks = new Keyspace(opts.prefix);
  const store = new V2Store(api, ks, Date.now, opts.stats);
  const watchTimeoutMs = opts.watchTimeoutMs ?? WATCH_TIMEOUT_MS;
  const auth = authOf(api);
  // The store holds nothing between requests but its counters, so a caller's store is a cheap view sharing them.
  const storeFor = (caller: Caller | undefined): V2Store =>
    caller === undefined ? store : new V2Store(actingFor(api, caller), ks, Date.now, store.stats);

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const method = request.method as V2Method;
    if (!ALLOWED.includes(method)) return methodNotAllowed(reply, ALLOWED);
    reply.header('x-etcd-cluster-id', clusterIdHeader(api));
    try {
      const body = typeof request.body === 'string' ? request.body : '';
      const req = parseKeyRequest(method, request.url, request.headers['content-type'], body);
      const caller = await basicAuthCaller(auth, request.headers.authorization);
      if (req.wait) return await watch(reply, req, caller);
      const result = await dispatch(storeFor(caller), req);
      return sendEvent(reply, result, req.noValueOnSuccess);
    } catch (err) {
      return sendV2Error(reply, asInsufficientCredentials(err) ?? asV2Error(err));
    }
  };

  const sendEvent = (reply: FastifyReply, result: V2Result, noValueOnSuccess: boolean) => {
    const ev = result.event;
    const created = ev.action === 'create' || (ev.action === 'set' && ev.prevNode === undefined);
    const shown: V2Event = noValueOnSuccess && WRITE_ACTIONS.has(ev.action) ? { action: ev.action } : ev;
    reply.header('x-etcd-index', String(result.index));
    reply.header('x-raft-index', String(api.raftIndex()));
    reply.header('x-raft-term', String(api.raftTerm()));
    return sendJson(reply, created ? 201 : 200, renderEvent(shown));
  };

  const watch = async (reply: FastifyReply, req: V2Request, caller: Caller | undefined) => {
    const raw = reply.raw;
    // Events can come before the headers are out (history replays at once): they wait here until then.
    const early: string[] = [];
    let live = false;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (live && !raw.destroyed) raw.end();
    };
    const w = await startV2Watch(actingFor(api, caller), ks, req, {
      event: (ev) => {
        if (!live) early.push(renderEvent(ev));
        else if (!raw.destroyed) raw.write(renderEvent(ev));
        if (!req.stream) finish();
      },
      end: finish,
    });
    reply.hijack();
    store.stats.watchers++;
    raw.on('close', () => {
      store.stats.watchers--;
      w.close();
      clearTimeout(timer);
    });
    // Headers go out at once so a long-polling client knows the watch is in place.
    raw.writeHead(200, {
      'content-type': JSON_TYPE,
      'x-etcd-cluster-id': clusterIdHeader(api),
      'x-etcd-index': String(w.startIndex),
      'x-raft-index': String(api.raftIndex()),
      'x-raft-term': String(api.raftTerm()),
    });
    raw.flushHeaders();
    live = true;
    for (const chunk of early) raw.write(chunk);
    if (finished) raw.end();
    else timer = setTimeout(finish, watchTimeoutMs);
  };

  app.register(async (scope) => {
    // Parameters are form-encoded or in the query string; whatever the body is, it must not fail to parse here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.all(KEYS_PREFIX, handle);
    scope.all(`${KEYS_PREFIX}/*`, handle);
  });
  return store;
}

const WRITE_ACTIONS = new Set(['set', 'compareAndSwap', 'create', 'update']);

/** The store operation etcd's v2 applier picks for a request. */
function dispatch(store: V2Store, req: V2Request): Promise<V2Result> {
  const write: WriteOptions = { value: req.value, dir: req.dir, ttl: req.ttl, refresh: req.refresh };
  const conditional = req.prevIndex > 0n || req.prevValue !== '';
  switch (req.method) {
    case 'GET':
    case 'HEAD':
      return store.get(req.path, req.recursive, req.sorted, req.quorum);
    case 'POST':
      return store.create(req.path, write, true);
    case 'DELETE':
      return conditional ? store.compareAndDelete(req.path, req.prevValue, req.prevIndex) : store.delete(req.path, req.dir, req.recursive);
    case 'PUT':
      if (req.prevExist === true) {
        return conditional ? store.compareAndSwap(req.path, req.prevValue, req.prevIndex, write) : store.update(req.path, write);
      }
      if (req.prevExist === false) return store.create(req.path, write, false);
      return conditional ? store.compareAndSwap(req.path, req.prevValue, req.prevIndex, write) : store.set(req.path, write);
  }
}
