// The v3 JSON gateway against a fake service, compared byte for byte with what real etcd 3.4.23 answered to the
// same requests (fixtures/etcd-v3-json.json, captured by fixtures/capture-etcd-v3.sh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerV3Gateway } from '../../gateway/v3/register';
import { loadProtoSchema } from '../../gateway/v3/proto-schema';
import type { ElectionApi, LockApi } from '../../gateway/v3/lock-election';
import { EtcdError } from '../../src/server/errors';
import { buildHttpApp } from '../../src/server/http-app';
import { MetricsRegistry } from '../../src/server/metrics';
import { FakeV3Service, header, kv, MEMBER_ID } from './v3-fake';

interface Fixture {
  name: string;
  path: string;
  request: string;
  status: number;
  response: string;
}

/** The captured fixtures, found from the sources or from dist/ (the build does not copy JSON files). */
function loadFixtures(): Fixture[] {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'test', 'gateway', 'fixtures', 'etcd-v3-json.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Fixture[];
  }
  throw new Error('fixtures/etcd-v3-json.json not found');
}

const fixtures = new Map(loadFixtures().map((f) => [f.name, f]));
function fixture(name: string): Fixture {
  const f = fixtures.get(name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
}

const schema = loadProtoSchema();

async function gateway(api: FakeV3Service, options: { lock?: LockApi; election?: ElectionApi } = {}): Promise<FastifyInstance> {
  const app = Fastify();
  registerV3Gateway(app, api, { ...options, schema });
  await app.ready();
  return app;
}

/** Deep-compares only the keys `expected` names (in arrays too), so a test states what matters about a request. */
function assertFields(actual: unknown, expected: unknown, where = 'request'): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where} is an array`);
    assert.equal(actual.length, expected.length, `${where}.length`);
    expected.forEach((item, i) => assertFields(actual[i], item, `${where}[${i}]`));
  } else if (expected !== null && typeof expected === 'object' && !Buffer.isBuffer(expected)) {
    for (const [key, value] of Object.entries(expected)) {
      assertFields((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
    }
  } else {
    assert.deepEqual(actual, expected, where);
  }
}

const rev = (revision: bigint) => ({ clusterId: 0n, memberId: 0n, revision, raftTerm: 0n });
const b = (s: string) => Buffer.from(s);

interface UnaryCase {
  fixture: string;
  method?: string;
  answer?: unknown;
  request?: Record<string, unknown>;
  args?: unknown[];
}

// For each captured exchange: what the service answers, and what the gateway must have asked it.
const unaryCases: UnaryCase[] = [
  {
    fixture: 'put',
    method: 'put',
    answer: { header: header(2n) },
    request: { key: b('foo'), value: b('bar'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false },
  },
  {
    fixture: 'put-prev-kv',
    method: 'put',
    answer: { header: header(3n), prevKv: kv('foo', 'bar', 2n, 2n, 1n) },
    request: { key: b('foo'), value: b('baz'), prevKv: true },
  },
  {
    fixture: 'range',
    method: 'range',
    answer: { header: header(3n), kvs: [kv('foo', 'baz', 2n, 3n, 2n)], more: false, count: 1n },
    request: { key: b('foo'), rangeEnd: b('fop'), limit: 5n, sortOrder: 2, sortTarget: 3, revision: 0n, countOnly: false },
  },
  {
    fixture: 'range-count-only',
    method: 'range',
    answer: { header: header(3n), kvs: [], more: false, count: 1n },
    request: { key: b('foo'), countOnly: true },
  },
  { fixture: 'range-empty-key', method: 'range', answer: new EtcdError('emptyKey'), request: { key: b('') } },
  { fixture: 'range-future-rev', method: 'range', answer: new EtcdError('futureRev'), request: { revision: 100n } },
  { fixture: 'range-bad-json' },
  { fixture: 'range-bad-base64' },
  { fixture: 'range-bad-int' },
  { fixture: 'range-bad-enum' },
  {
    fixture: 'txn',
    method: 'txn',
    answer: {
      header: header(4n),
      succeeded: true,
      responses: [
        { responseRange: { header: rev(3n), kvs: [kv('foo', 'baz', 2n, 3n, 2n)], more: false, count: 1n } },
        { responsePut: { header: rev(4n) } },
      ],
    },
    request: {
      compare: [{ result: 0, target: 3, key: b('foo'), value: b('baz'), version: undefined, rangeEnd: b('') }],
      success: [
        { requestRange: { key: b('foo') }, requestPut: undefined },
        { requestRange: undefined, requestPut: { key: b('a'), value: b('1') } },
      ],
      failure: [{ requestDeleteRange: { key: b('foo') } }],
    },
  },
  {
    fixture: 'txn-failure',
    method: 'txn',
    answer: {
      header: header(5n),
      succeeded: false,
      responses: [
        { responseDeleteRange: { header: rev(5n), deleted: 1n, prevKvs: [kv('a', '1', 4n, 4n, 1n)] } },
        { responseTxn: { header: rev(0n), succeeded: true, responses: [] } },
      ],
    },
    request: { compare: [{ target: 0, version: 99n, value: undefined }], success: [], failure: [{ requestDeleteRange: { prevKv: true } }, { requestTxn: { compare: [] } }] },
  },
  {
    fixture: 'deleterange',
    method: 'deleteRange',
    answer: { header: header(6n), deleted: 1n, prevKvs: [kv('foo', 'baz', 2n, 3n, 2n)] },
    request: { key: b('foo'), prevKv: true },
  },
  { fixture: 'compaction', method: 'compact', answer: { header: header(6n) }, request: { revision: 3n, physical: true } },
  { fixture: 'compaction-compacted', method: 'compact', answer: new EtcdError('compacted'), request: { revision: 2n } },
  {
    fixture: 'lease-grant',
    method: 'leaseGrant',
    answer: { header: header(6n), ID: 1234n, TTL: 60n, error: '' },
    request: { TTL: 60n, ID: 1234n },
  },
  { fixture: 'lease-grant-exists', method: 'leaseGrant', answer: new EtcdError('leaseExist'), request: { TTL: 60n } },
  { fixture: 'put-lease', method: 'put', answer: { header: header(7n) }, request: { lease: 1234n } },
  {
    fixture: 'lease-timetolive',
    method: 'leaseTimeToLive',
    answer: { header: header(7n), ID: 1234n, TTL: 59n, grantedTTL: 60n, keys: [b('l')] },
    request: { ID: 1234n, keys: true },
  },
  { fixture: 'lease-leases', method: 'leaseLeases', answer: { header: header(7n), leases: [{ ID: 1234n }] } },
  { fixture: 'lease-revoke', method: 'leaseRevoke', answer: { header: header(8n) }, request: { ID: 1234n } },
  { fixture: 'lease-revoke-missing', method: 'leaseRevoke', answer: new EtcdError('leaseNotFound') },
  {
    fixture: 'member-list',
    method: 'memberList',
    answer: {
      header: header(),
      members: [{ ID: MEMBER_ID, name: 'default', peerURLs: ['http://127.0.0.1:23801'], clientURLs: ['http://127.0.0.1:23791'], isLearner: false }],
    },
  },
  { fixture: 'member-remove-missing', method: 'memberRemove', answer: new EtcdError('memberNotFound'), args: [1n] },
  {
    fixture: 'status',
    method: 'status',
    answer: {
      header: header(8n),
      version: '3.4.23',
      dbSize: 20480n,
      leader: MEMBER_ID,
      raftIndex: 17n,
      raftTerm: 2n,
      raftAppliedIndex: 17n,
      errors: [],
      dbSizeInUse: 16384n,
      isLearner: false,
    },
  },
  { fixture: 'alarm-none', method: 'alarm', answer: { alarms: [] }, request: { action: 0, memberID: 0n, alarm: 0 } },
  { fixture: 'alarm-activate', method: 'alarm', answer: { alarms: [{ memberID: 1n, alarm: 1 }] }, request: { action: 1, memberID: 1n, alarm: 1 } },
  { fixture: 'alarm-deactivate', method: 'alarm', answer: { alarms: [{ memberID: 1n, alarm: 1 }] }, request: { action: 2 } },
  { fixture: 'hash', method: 'hash', answer: { header: header(8n), hash: 2351618440 } },
  { fixture: 'defragment', method: 'defragment', answer: undefined },
  { fixture: 'transfer-leadership-bad', method: 'moveLeader', answer: new EtcdError('badLeaderTransferee'), args: [1n] },
  { fixture: 'lease-grant-short', method: 'leaseGrant', answer: { header: header(8n), ID: 5n, TTL: 30n, error: '' } },
];

describe('v3 gateway: unary calls answer exactly as etcd 3.4 does', () => {
  const api = new FakeV3Service();
  let app: FastifyInstance;
  before(async () => {
    app = await gateway(api);
  });
  after(() => app.close());

  for (const c of unaryCases) {
    test(c.fixture, async () => {
      const f = fixture(c.fixture);
      api.calls.length = 0;
      if (c.method) api.answer(c.method, c.answer);
      const res = await app.inject({ method: 'POST', url: f.path, payload: f.request });
      assert.equal(res.body, f.response);
      assert.equal(res.statusCode, f.status);
      assert.equal(res.headers['content-type'], 'application/json');
      if (!c.method) assert.equal(api.calls.length, 0, 'a request that does not decode reaches no service');
      if (c.method) {
        const args = api.onlyCall(c.method);
        if (c.request) assertFields(args[0], c.request);
        if (c.args) assert.deepEqual(args, c.args);
      }
    });
  }
});

describe('v3 gateway: HTTP details', () => {
  const api = new FakeV3Service();
  let app: FastifyInstance;
  before(async () => {
    app = await gateway(api);
  });
  after(() => app.close());

  test('a successful call carries the gRPC metadata header; a failed one the gRPC trailer', async () => {
    api.answer('put', { header: header(2n) }).answer('put', new EtcdError('noSpace'));
    const ok = await app.inject({ method: 'POST', url: '/v3/kv/put', payload: '{"key":"YQ=="}' });
    assert.equal(ok.headers['grpc-metadata-content-type'], 'application/grpc');
    const failed = await app.inject({ method: 'POST', url: '/v3/kv/put', payload: '{"key":"YQ=="}' });
    assert.equal(failed.statusCode, 429);
    assert.equal(failed.body, '{"error":"etcdserver: mvcc: database space exceeded","message":"etcdserver: mvcc: database space exceeded","code":8}');
    assert.equal(failed.trailers['grpc-trailer-content-type'], 'application/grpc');
  });

  test('bodies are JSON whatever their Content-Type says, and an empty body is an empty request', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'application/json']) {
      api.calls.length = 0;
      api.answer('range', { header: header(1n), kvs: [], more: false, count: 0n });
      const res = await app.inject({ method: 'POST', url: '/v3/kv/range', headers: { 'content-type': contentType }, payload: '{"key":"YQ=="}' });
      assert.equal(res.statusCode, 200, contentType);
      assertFields(api.onlyCall('range')[0], { key: b('a') });
    }
    api.calls.length = 0;
    api.answer('status', { header: header(1n), version: '3.4.23' });
    const res = await app.inject({ method: 'POST', url: '/v3/maintenance/status' });
    assert.equal(res.body, '{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"1","raft_term":"2"},"version":"3.4.23"}');
  });

  test('every route answers under /v3beta/ too', async () => {
    api.answer('leaseLeases', { leases: [{ ID: 7n }] });
    const res = await app.inject({ method: 'POST', url: '/v3beta/kv/lease/leases', payload: '{}' });
    assert.equal(res.body, '{"leases":[{"ID":"7"}]}');
  });

  test('unknown paths answer 404 and known paths 405 for other methods, in plain text like Go', async () => {
    const notFound = await app.inject({ method: 'POST', url: '/v3/kv/nothere', payload: '{}' });
    assert.equal(notFound.statusCode, 404);
    assert.equal(notFound.body, 'Not Found\n');
    assert.equal(notFound.headers['content-type'], 'text/plain; charset=utf-8');
    const hashkv = await app.inject({ method: 'POST', url: '/v3/maintenance/hashkv', payload: '{}' });
    assert.equal(hashkv.statusCode, 404, 'etcd 3.4 serves HashKV on no gateway path');
    const wrongMethod = await app.inject({ method: 'GET', url: '/v3/kv/range' });
    assert.equal(wrongMethod.statusCode, 405);
    assert.equal(wrongMethod.body, 'Method Not Allowed\n');
  });

  test('auth routes answer UNIMPLEMENTED (501) after decoding the request', async () => {
    const res = await app.inject({ method: 'POST', url: '/v3/auth/user/add', payload: '{"name":"root","password":"x"}' });
    assert.equal(res.statusCode, 501);
    assert.equal(res.body, '{"error":"unknown service etcdserverpb.Auth","message":"unknown service etcdserverpb.Auth","code":12}');
    const bad = await app.inject({ method: 'POST', url: '/v3/auth/enable', payload: '{' });
    assert.equal(bad.statusCode, 400);
  });

  test('HashKV is not reachable: /v3/maintenance/hash is Hash, whatever the body', async () => {
    api.calls.length = 0;
    api.answer('hash', { header: header(8n), hash: 1 });
    const res = await app.inject({ method: 'POST', url: '/v3/maintenance/hash', payload: '{"revision":"5"}' });
    assert.equal(res.body, '{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"8","raft_term":"2"},"hash":1}');
    assert.deepEqual(api.onlyCall('hash'), []);
  });

  test('a body larger than the body limit is refused as etcd refuses a large request', async () => {
    const small = Fastify({ bodyLimit: 64 });
    registerV3Gateway(small, api, { schema });
    try {
      api.calls.length = 0;
      const res = await small.inject({ method: 'POST', url: '/v3/kv/put', payload: JSON.stringify({ key: 'YQ==', value: Buffer.alloc(100).toString('base64') }) });
      assert.equal(res.statusCode, 400);
      assert.equal(res.body, '{"error":"etcdserver: request is too large","message":"etcdserver: request is too large","code":3}');
      assert.equal(api.calls.length, 0);
    } finally {
      await small.close();
    }
  });

  test('lock and election routes exist only when their services are given', async () => {
    const missing = await app.inject({ method: 'POST', url: '/v3/lock/lock', payload: '{"name":"bA=="}' });
    assert.equal(missing.statusCode, 404);

    let signal: AbortSignal | undefined;
    const lock: LockApi = {
      lock: async (req, s) => {
        signal = s;
        return { header: header(13n), key: Buffer.concat([req.name, b('/1')]) };
      },
      unlock: async () => ({ header: header(14n) }),
    };
    const withLock = await gateway(api, { lock });
    try {
      const res = await withLock.inject({ method: 'POST', url: '/v3/lock/lock', payload: '{"name":"bA==","lease":"9"}' });
      assert.equal(res.body, '{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"13","raft_term":"2"},"key":"bC8x"}');
      assert.ok(signal instanceof AbortSignal);
      const unlock = await withLock.inject({ method: 'POST', url: '/v3/lock/unlock', payload: '{"key":"bC8x"}' });
      assert.equal(unlock.statusCode, 200);
      // Failures come back as etcd's embedded client reports them: UNKNOWN, whatever the service's own code.
      lock.unlock = async () => {
        throw new EtcdError('leaseNotFound');
      };
      const failed = await withLock.inject({ method: 'POST', url: '/v3/lock/unlock', payload: '{"key":"bC8x"}' });
      assert.equal(failed.statusCode, 500);
      assert.equal(failed.body, '{"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":2}');
    } finally {
      await withLock.close();
    }
  });

  test('election observe streams every leader the service reports', async () => {
    const leaderKv = kv('el/1', 'v1', 14n, 14n, 1n, 9n);
    const election: ElectionApi = {
      campaign: async () => ({ header: header(14n), leader: { name: b('el'), key: b('el/1'), rev: 14n, lease: 9n } }),
      proclaim: async () => ({ header: header(15n) }),
      leader: async () => {
        throw new Error('election: no leader');
      },
      resign: async () => ({ header: header(16n) }),
      observe: async (_req, send) => {
        send({ header: header(14n), kv: leaderKv });
        send({ header: header(15n), kv: { ...leaderKv, value: b('v2'), modRevision: 15n, version: 2n } });
      },
    };
    const withElection = await gateway(api, { election });
    try {
      const observed = await withElection.inject({ method: 'POST', url: '/v3/election/observe', payload: '{"name":"ZWw="}' });
      const lines = observed.body.split('\n');
      assert.equal(lines.length, 3);
      assert.equal(lines[2], '');
      assert.equal(
        lines[1],
        '{"result":{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"15","raft_term":"2"},"kv":{"key":"ZWwvMQ==","create_revision":"14","mod_revision":"15","version":"2","value":"djI=","lease":"9"}}}',
      );
      const noLeader = await withElection.inject({ method: 'POST', url: '/v3/election/leader', payload: '{"name":"bm9uZQ=="}' });
      assert.equal(noLeader.statusCode, 500);
      assert.equal(noLeader.body, '{"error":"election: no leader","message":"election: no leader","code":2}');
      const campaign = await withElection.inject({ method: 'POST', url: '/v3/election/campaign', payload: '{"name":"ZWw=","lease":"9","value":"djE="}' });
      assert.equal(campaign.body, '{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"14","raft_term":"2"},"leader":{"name":"ZWw=","key":"ZWwvMQ==","rev":"14","lease":"9"}}');
    } finally {
      await withElection.close();
    }
  });
});

describe('v3 gateway: streams', () => {
  const api = new FakeV3Service();
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    app = await gateway(api);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  /** POSTs `body` and collects the response until `lines` newline-terminated lines came, then hangs up. */
  function streamLines(url: string, body: string, lines: number): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: url }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.split('\n').length > lines) {
            resolve({ status: res.statusCode ?? 0, text });
            req.destroy();
          }
        });
      });
      req.on('error', (err) => {
        if (!req.destroyed) reject(err);
      });
      req.end(body);
    });
  }

  test('watch: requests in the body reach one watch stream; responses come back as etcd writes them', async () => {
    const f = fixture('watch');
    api.onWatchRequest = (stream, event) => {
      const base = { header: header(8n), watchId: 0n, created: false, canceled: false, compactRevision: 0n, cancelReason: '', fragment: false, events: [] };
      if ('create' in event && event.create.watchId === 7n) stream.send({ ...base, watchId: 7n, created: true });
      else if ('progress' in event) stream.send({ ...base, watchId: -1n });
      else if ('cancel' in event) stream.send({ ...base, watchId: event.cancel, canceled: true });
      else if ('create' in event) {
        stream.send({ ...base, created: true });
        stream.send({ ...base, header: header(), canceled: true, compactRevision: 3n });
      }
    };
    const { status, text } = await streamLines(f.path, f.request, 5);
    assert.equal(status, 200);
    assert.equal(text, f.response);
    const stream = api.watchStreams.at(-1)!;
    assert.equal(stream.creates.length, 2);
    assertFields(stream.creates[0], { key: b('a'), watchId: 7n, prevKv: true, startRevision: 0n });
    assertFields(stream.creates[1], { key: b('a'), startRevision: 2n });
    assert.deepEqual(stream.cancels, [7n]);
    assert.equal(stream.progressRequests, 1);
    // Hanging up closes the watch stream on the service.
    for (let i = 0; i < 100 && !stream.closed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(stream.closed, true);
  });

  test('watch: the response stays open after the request body ends', async () => {
    api.onWatchRequest = undefined;
    const before = api.watchStreams.length;
    const opened = streamLines('/v3/watch', '{"create_request":{"key":"Yg=="}}', 1);
    for (let i = 0; i < 200 && api.watchStreams.at(-1)?.creates.length !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(api.watchStreams.length, before + 1);
    // The whole body has been read (the create arrived and the client sent nothing more); an event still gets out.
    await new Promise((r) => setTimeout(r, 50));
    api.watchStreams.at(-1)!.send({
      header: header(9n), watchId: 0n, created: false, canceled: false, compactRevision: 0n, cancelReason: '', fragment: false,
      events: [{ type: 1, kv: { key: b('b'), value: b(''), createRevision: 0n, modRevision: 9n, version: 0n, lease: 0n } }],
    });
    const { text } = await opened;
    assert.equal(text, '{"result":{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"9","raft_term":"2"},"events":[{"type":"DELETE","kv":{"key":"Yg==","mod_revision":"9"}}]}}\n');
  });

  test('watch: a first message that is not JSON is a plain UNKNOWN error, as in etcd', async () => {
    const f = fixture('watch-bad-json');
    const res = await app.inject({ method: 'POST', url: f.path, payload: f.request });
    assert.equal(res.statusCode, f.status);
    assert.equal(res.body, f.response);
  });

  test('lease keep-alive: one response per request, TTL 0 for unknown leases, ends with the body', async () => {
    const f = fixture('lease-keepalive');
    api.leaseTTLs.set(5n, 30n);
    const res = await app.inject({ method: 'POST', url: f.path, payload: f.request });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, f.response);
    const two = await app.inject({ method: 'POST', url: '/v3/lease/keepalive', payload: '{"ID":"5"}\n{"ID":"6"}' });
    assert.equal(
      two.body.split('\n')[1],
      '{"result":{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"8","raft_term":"2"},"ID":"6"}}',
    );
    const empty = await app.inject({ method: 'POST', url: '/v3/lease/keepalive' });
    assert.equal(empty.statusCode, 200);
    assert.equal(empty.body, '');
  });

  test('lease keep-alive: a later message that does not decode ends the requests, not with an error', async () => {
    api.leaseTTLs.set(5n, 30n);
    const res = await app.inject({ method: 'POST', url: '/v3/lease/keepalive', payload: '{"ID":"5"} {"ID":"x"} {"ID":"5"}' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body.split('\n').length, 2, 'one response, then the stream ends');
  });

  test('snapshot: the bytes in order with how many remain, then the stream ends', async () => {
    api.snapshotData = [b('abc'), b('de')];
    const res = await app.inject({ method: 'POST', url: '/v3/maintenance/snapshot', payload: '{}' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{"result":{"remaining_bytes":"2","blob":"YWJj"}}\n{"result":{"blob":"ZGU="}}\n');
  });

  test('snapshot: a body that is not JSON is INVALID_ARGUMENT, as for unary calls', async () => {
    api.calls.length = 0;
    const res = await app.inject({ method: 'POST', url: '/v3/maintenance/snapshot', payload: '{' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.body, '{"error":"unexpected EOF","message":"unexpected EOF","code":3}');
    assert.equal(api.calls.length, 0);
  });

  test('a stream that fails before its first result answers the error status with the error chunk', async () => {
    const failing = new FakeV3Service();
    failing.snapshot = async () => {
      throw new EtcdError('stopped');
    };
    const failingApp = await gateway(failing);
    try {
      const res = await failingApp.inject({ method: 'POST', url: '/v3/maintenance/snapshot' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.body, '{"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: server stopped","http_status":"Service Unavailable"}}');
    } finally {
      await failingApp.close();
    }
  });
});

describe("v3 gateway on the member's HTTP app", () => {
  test('CORS headers reach unary and streamed responses; /v3beta/ still works through its rewrite', async () => {
    const api = new FakeV3Service();
    const app = buildHttpApp({ health: async () => ({ ok: true }), clusterVersion: () => '3.4.0', metrics: new MetricsRegistry() });
    registerV3Gateway(app, api, { schema });
    await app.ready();
    try {
      api.answer('range', { header: header(1n), kvs: [], more: false, count: 0n });
      const unary = await app.inject({ method: 'POST', url: '/v3beta/kv/range', payload: '{"key":"YQ=="}' });
      assert.equal(unary.statusCode, 200);
      assert.equal(unary.headers['access-control-allow-origin'], '*');
      api.leaseTTLs.set(5n, 30n);
      const streamed = await app.inject({ method: 'POST', url: '/v3/lease/keepalive', payload: '{"ID":"5"}' });
      assert.equal(streamed.statusCode, 200);
      assert.equal(streamed.headers['access-control-allow-origin'], '*');
      assert.match(streamed.body, /"TTL":"30"/);
    } finally {
      await app.close();
    }
  });
});
