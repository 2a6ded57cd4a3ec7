// The v2 cluster endpoints: /v2/members (list, add, remove, update, leader), /v2/machines and /v2/stats/*,
// with etcd 3.4's JSON shapes, status codes and error messages.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Member } from '../../src/gen/etcdserverpb/rpc';
import { ETCD_ERRORS, statusOf, type EtcdErrorName } from '../../src/server/errors';
import type { ServiceApi } from '../../src/server/api';
import { idToHex } from '../../src/server/cluster-ids';
import { authOf } from '../auth-of';
import { asInsufficientCredentials, basicAuthCaller } from './basic-auth';
import { clusterIdHeader, methodNotAllowed, sendHttpError, sendJson, sendText } from './http-reply';
import { goJson, rfc3339 } from './node-json';
import { StoreStats } from './stats';

const MEMBERS_PREFIX = '/v2/members';

export interface V2ClusterOptions {
  /** The counters /v2/keys keeps (see registerV2Keys). */
  stats?: StoreStats;
  now?: () => number;
}

export function memberJson(m: Member): Record<string, unknown> {
  return { id: idToHex(m.ID), name: m.name, peerURLs: [...m.peerURLs], clientURLs: [...m.clientURLs] };
}

/** Go's net/url + etcd's types.NewURLs checks, with etcd's messages; the URLs come back sorted. */
export function checkPeerUrls(urls: unknown): string[] {
  if (!Array.isArray(urls) || urls.length === 0) throw new Error('no valid URLs given');
  const out: string[] = [];
  for (const raw of urls) {
    const s = String(raw).trim();
    const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i.exec(s);
    const scheme = m?.[1].toLowerCase() ?? '';
    if (!['http', 'https', 'unix', 'unixs'].includes(scheme)) {
      throw new Error(`URL scheme must be http, https, unix, or unixs: ${s}`);
    }
    if (!/^(\[[^\]]*\]|[^:[\]]*):[^:]*$/.test(m?.[2] ?? '')) throw new Error(`URL address does not have the form "host:port": ${s}`);
    if ((m?.[3] ?? '') !== '') throw new Error(`URL must not contain a path: ${s}`);
    out.push(s);
  }
  return out.sort();
}

/** Go's time.Duration.String() for a whole number of milliseconds. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const secs = ((ms % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${secs}s`;
}

function isJson(request: FastifyRequest): { ok: boolean; type: string } {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return { ok: type === 'application/json', type };
}

function parseBody(body: unknown): { peerURLs?: unknown } {
  const parsed: unknown = typeof body === 'string' ? JSON.parse(body) : body;
  if (parsed === null || typeof parsed !== 'object') throw new Error('json: cannot unmarshal into the request');
  return parsed as { peerURLs?: unknown };
}

/** By message, so that errors relayed from another member (no longer EtcdError instances) are recognised too. */
function is(err: unknown, kind: EtcdErrorName): boolean {
  return statusOf(err).message === ETCD_ERRORS[kind].message;
}

/** The hex member ID in a URL; undefined when malformed, which etcd answers as "No such member". */
function memberIdOf(rest: string): bigint | undefined {
  return /^[0-9a-fA-F]{1,16}$/.test(rest) ? BigInt(`0x${rest}`) : undefined;
}

export function registerV2Cluster(app: FastifyInstance, api: ServiceApi, opts: V2ClusterOptions = {}): void {
  const auth = authOf(api);
  const stats = opts.stats ?? new StoreStats();
  const now = opts.now ?? Date.now;
  const startTime = now();
  // When this member first saw the current leader: the start of leaderInfo's uptime.
  let leaderSeen = { id: api.leader(), since: startTime };
  const currentLeader = () => {
    const id = api.leader();
    if (id !== leaderSeen.id) leaderSeen = { id, since: now() };
    return leaderSeen;
  };

  const members = async (request: FastifyRequest, reply: FastifyReply) => {
    const allowed = ['GET', 'POST', 'DELETE', 'PUT'];
    if (!allowed.includes(request.method)) return methodNotAllowed(reply, allowed);
    reply.header('x-etcd-cluster-id', clusterIdHeader(api));
    const rest = request.url.split('?')[0].slice(MEMBERS_PREFIX.length).replace(/^\//, '');
    try {
      switch (request.method) {
        case 'GET':
          return await getMembers(reply, rest);
        case 'POST':
          return await addMember(request, reply);
        default:
          return await changeMember(request, reply, rest);
      }
    } catch (err) {
      // Membership changes act for the basic-auth user (root only, once auth is on).
      const refused = asInsufficientCredentials(err);
      if (refused !== undefined) return sendHttpError(reply, 401, refused.cause);
      // What etcd tells clients about any failure it has no specific answer for.
      return sendHttpError(reply, 500, 'Internal Server Error');
    }
  };

  const getMembers = async (reply: FastifyReply, rest: string) => {
    if (rest === '') {
      const list = await api.memberList(false);
      return sendJson(reply, 200, `${goJson({ members: list.members.map(memberJson) })}\n`);
    }
    if (rest === 'leader') {
      const id = api.leader();
      const leader = id === 0n ? undefined : (await api.memberList(false)).members.find((m) => m.ID === id);
      if (leader === undefined) return sendHttpError(reply, 503, 'During election');
      return sendJson(reply, 200, `${goJson(memberJson(leader))}\n`);
    }
    return sendHttpError(reply, 404, 'Not found');
  };

  const addMember = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctype = isJson(request);
    if (!ctype.ok) return sendHttpError(reply, 415, `Bad Content-Type ${ctype.type}, accept application/json`);
    let peerURLs: string[];
    try {
      peerURLs = checkPeerUrls(parseBody(request.body).peerURLs);
    } catch (err) {
      return sendHttpError(reply, 400, (err as Error).message);
    }
    try {
      const caller = await basicAuthCaller(auth, request.headers.authorization);
      const resp = await api.memberAdd({ peerURLs, isLearner: false }, caller);
      const added = resp.member ?? { ID: 0n, name: '', peerURLs, clientURLs: [], isLearner: false };
      return sendJson(reply, 201, `${goJson(memberJson({ ...added, name: '', clientURLs: [] }))}\n`);
    } catch (err) {
      if (is(err, 'memberExist')) return sendHttpError(reply, 409, 'membership: ID exists');
      if (is(err, 'peerURLExist')) return sendHttpError(reply, 409, 'membership: peerURL exists');
      throw err;
    }
  };

  const changeMember = async (request: FastifyRequest, reply: FastifyReply, rest: string) => {
    if (rest === '') return sendText(reply, 405, 'Method Not Allowed\n');
    const id = memberIdOf(rest);
    if (id === undefined) return sendHttpError(reply, 404, `No such member: ${rest}`);
    let peerURLs: string[] = [];
    if (request.method === 'PUT') {
      const ctype = isJson(request);
      if (!ctype.ok) return sendHttpError(reply, 415, `Bad Content-Type ${ctype.type}, accept application/json`);
      try {
        peerURLs = checkPeerUrls(parseBody(request.body).peerURLs);
      } catch (err) {
        return sendHttpError(reply, 400, (err as Error).message);
      }
    }
    try {
      const caller = await basicAuthCaller(auth, request.headers.authorization);
      if (request.method === 'DELETE') await api.memberRemove(id, caller);
      else await api.memberUpdate({ ID: id, peerURLs }, caller);
      return reply.code(204).send();
    } catch (err) {
      if (is(err, 'memberNotFound')) return sendHttpError(reply, 404, `No such member: ${idToHex(id)}`);
      if (is(err, 'peerURLExist')) return sendHttpError(reply, 409, 'membership: peerURL exists');
      throw err;
    }
  };

  const machines = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(reply, ['GET', 'HEAD']);
    const list = await api.memberList(false);
    const urls = [...new Set(list.members.flatMap((m) => m.clientURLs))].sort();
    return reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(urls.join(', '));
  };

  const statsSelf = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET') return methodNotAllowed(reply, ['GET']);
    const leader = currentLeader();
    const body = {
      name: api.name,
      id: idToHex(api.memberId),
      state: leader.id === api.memberId ? 'StateLeader' : 'StateFollower',
      startTime: rfc3339(startTime),
      leaderInfo: { leader: idToHex(leader.id), uptime: goDuration(now() - leader.since), startTime: rfc3339(leader.since) },
      recvAppendRequestCnt: 0,
      sendAppendRequestCnt: 0,
    };
    return sendJson(reply, 200, goJson(body));
  };

  const statsLeader = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET') return methodNotAllowed(reply, ['GET']);
    if (api.leader() !== api.memberId) return sendHttpError(reply, 403, 'not current leader');
    const list = await api.memberList(false);
    const followers: Record<string, unknown> = {};
    for (const m of list.members) {
      if (m.ID === api.memberId) continue;
      followers[idToHex(m.ID)] = {
        latency: { current: 0, average: 0, standardDeviation: 0, minimum: 0, maximum: 0 },
        counts: { fail: 0, success: 0 },
      };
    }
    return sendJson(reply, 200, goJson({ leader: idToHex(api.memberId), followers }));
  };

  const statsStore = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET') return methodNotAllowed(reply, ['GET']);
    return sendJson(reply, 200, goJson(stats.toJSON()));
  };

  app.register(async (scope) => {
    // etcd checks the content type itself (415), so bodies are taken as text and parsed in the handler.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.all(MEMBERS_PREFIX, members);
    scope.all(`${MEMBERS_PREFIX}/*`, members);
    scope.all('/v2/machines', machines);
    scope.all('/v2/stats/self', statsSelf);
    scope.all('/v2/stats/leader', statsLeader);
    scope.all('/v2/stats/store', statsStore);
  });
}
