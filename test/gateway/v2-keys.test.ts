// Behaviour of /v2/keys beyond the recorded etcd session: TTLs and expiry, refresh, watches (long poll,
// stream, history window, compaction, timeout), in-order keys under concurrency, and failures below.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registerV2Keys } from '../../gateway/v2';
import type { V2Store } from '../../gateway/v2/store';
import { EtcdError } from '../../src/server/errors';
import { startFakeApp, type FakeApp } from './fake-app';
import type { FakeService } from './fake-service';
import { openStream, request } from './http-client';
import { rangeRequest } from '../../gateway/v2/v3-ops';
import { prefixEnd } from '../../src/mvcc/key-range';

let api: FakeService;
let store: V2Store;
let base: string;
let fake: FakeApp;

before(async () => {
  fake = await startFakeApp((app, service) => {
    store = registerV2Keys(app, service, { watchTimeoutMs: 300 });
  });
  ({ api, base } = fake);
});

after(() => fake.close());

const put = (path: string, form: string) => request(base, 'PUT', `/v2/keys${path}`, form);
const get = (path: string) => request(base, 'GET', `/v2/keys${path}`);
const json = (body: string) => JSON.parse(body);

/** The lease the node at `path` holds, found through the v3 keyspace the gateway writes. */
async function leaseOf(path: string): Promise<bigint> {
  const kvs = [...api.leases.keys()].filter((id) => api.mvcc.keysWithLease(id).some((k) => k.toString().endsWith(path)));
  assert.equal(kvs.length, 1, `one lease for ${path}`);
  return kvs[0];
}

test('a TTL shows as ttl and expiration, and expiry removes the node with an "expire" event', async () => {
  const set = json((await put('/ttl/a', 'value=1&ttl=30')).body);
  assert.equal(set.node.ttl, 30);
  assert.match(set.node.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  api.tick(10n);
  // v3 reports 20 whole seconds left, which v2 (rounding up) shows as 21.
  assert.equal(json((await get('/ttl/a')).body).node.ttl, 21);

  const watch = openStream(base, '/v2/keys/ttl/a?wait=true');
  const w = await watch;
  api.expireLease(await leaseOf('/ttl/a'));
  const [line] = await w.waitLines(1);
  const ev = json(line);
  assert.equal(ev.action, 'expire');
  assert.equal(ev.node.key, '/ttl/a');
  assert.equal(ev.node.createdIndex, set.node.createdIndex);
  assert.ok(ev.node.modifiedIndex > set.node.modifiedIndex);
  assert.equal(ev.prevNode.value, '1');
  await w.ended;
  assert.equal((await get('/ttl/a')).status, 404);
});

test('a directory with a TTL takes its subtree along when it expires', async () => {
  await put('/tdir', 'dir=true&ttl=30');
  await put('/tdir/sub/leaf', 'value=x');
  // Replacing the leaf keeps it borrowing the directory's lease.
  assert.equal((await put('/tdir/sub/leaf', 'value=y')).status, 200);
  // The leaf only borrowed the directory's lease: v2 shows it as permanent.
  const leaf = json((await get('/tdir/sub/leaf')).body);
  assert.equal(leaf.node.ttl, undefined);
  assert.equal(json((await get('/tdir')).body).node.ttl, 30);

  const onDir = await openStream(base, '/v2/keys/tdir?wait=true&recursive=true');
  const onLeaf = await openStream(base, '/v2/keys/tdir/sub/leaf?wait=true');
  api.expireLease(await leaseOf('/tdir/'));
  for (const w of [onDir, onLeaf]) {
    const ev = json((await w.waitLines(1))[0]);
    assert.equal(ev.action, 'expire');
    assert.equal(ev.node.key, '/tdir');
    assert.equal(ev.node.dir, true);
  }
  assert.equal((await get('/tdir/sub/leaf')).status, 404);
  assert.equal((await get('/tdir/sub')).status, 404);
  // Nothing of the old subtree comes back when the directories are made again.
  assert.equal((await put('/tdir/sub/other', 'value=1')).status, 201);
  assert.equal((await get('/tdir/sub/leaf')).status, 404);
});

test('a directory losing its TTL keeps the children that borrowed its lease', async () => {
  await put('/keep', 'dir=true&ttl=30');
  await put('/keep/sub/leaf', 'value=x');
  const oldLease = await leaseOf('/keep/');
  const update = await put('/keep', 'dir=true&prevExist=true');
  assert.equal(update.status, 200);
  assert.equal(json(update.body).node.ttl, undefined);
  api.expireLease(oldLease);
  assert.equal(json((await get('/keep/sub/leaf')).body).node.value, 'x');
  assert.equal(json((await get('/keep')).body).node.ttl, undefined);
});

test('refresh extends a TTL without telling watchers and keeps the value', async () => {
  await put('/r', 'value=keep&ttl=10');
  api.tick(6n);
  const w = await openStream(base, '/v2/keys/r?wait=true');
  const same = await put('/r', 'refresh=true&ttl=10&prevExist=true');
  assert.equal(same.status, 200);
  assert.equal(json(same.body).action, 'update');
  assert.equal(json(same.body).node.value, 'keep');
  assert.equal(json((await get('/r')).body).node.ttl, 10);
  const longer = json((await put('/r', 'refresh=true&ttl=50')).body);
  assert.equal(longer.action, 'set');
  assert.equal(longer.node.ttl, 50);
  assert.equal(json((await get('/r')).body).node.value, 'keep');
  // The first event the watcher sees is the next real change.
  await put('/r', 'value=changed');
  const ev = json((await w.waitLines(1))[0]);
  assert.equal(ev.action, 'set');
  assert.equal(ev.node.value, 'changed');
  assert.equal((await put('/missing', 'refresh=true&ttl=5')).status, 404);
});

test('a set over a file makes a new node: every later answer and event reports its createdIndex', async () => {
  const first = json((await put('/cr/f', 'value=1')).body);
  const w = await openStream(base, '/v2/keys/cr/f?wait=true&stream=true');
  const replaced = json((await put('/cr/f', 'value=2')).body);
  const created = replaced.node.createdIndex;
  assert.equal(created, replaced.node.modifiedIndex);
  assert.equal(replaced.prevNode.createdIndex, first.node.createdIndex);
  assert.ok(created > first.node.createdIndex);

  const update = json((await put('/cr/f', 'value=3&prevExist=true')).body);
  assert.deepEqual([update.node.createdIndex, update.prevNode.createdIndex], [created, created]);
  assert.equal(json((await put('/cr/f', 'value=4&prevValue=3')).body).node.createdIndex, created);
  assert.equal(json((await put('/cr/f', 'refresh=true&ttl=30')).body).node.createdIndex, created);
  assert.equal(json((await get('/cr/f')).body).node.createdIndex, created);
  assert.equal(json((await get('/cr')).body).node.nodes[0].createdIndex, created);
  assert.equal(json((await get('/?recursive=true')).body).node.nodes.find((n: { key: string }) => n.key === '/cr').nodes[0].createdIndex, created);

  const again = json((await put('/cr/f', 'value=5&ttl=30')).body);
  assert.equal(again.node.createdIndex, again.node.modifiedIndex);
  assert.equal(again.prevNode.createdIndex, created);
  api.expireLease(await leaseOf('/cr/f'));
  const events = (await w.waitLines(5)).map(json);
  assert.deepEqual(
    events.map((ev) => [ev.action, ev.node.createdIndex, ev.prevNode.createdIndex]),
    [
      ['set', created, first.node.createdIndex],
      ['update', created, created],
      ['compareAndSwap', created, created],
      ['set', again.node.createdIndex, created],
      ['expire', again.node.createdIndex, again.node.createdIndex],
    ],
  );
  w.close();
  // The record went with the file: nothing of /cr/f is left in the v3 keyspace.
  const left = await api.range(rangeRequest(Buffer.from('/tetcd/v2/'), prefixEnd(Buffer.from('/tetcd/v2/'))));
  assert.deepEqual(left.kvs.map((kv) => kv.key.toString()).filter((k) => k.includes('/cr/f')), []);

  await put('/cr/g', 'value=1');
  const g = json((await put('/cr/g', 'value=2')).body).node.createdIndex;
  const deleted = json((await request(base, 'DELETE', '/v2/keys/cr/g')).body);
  assert.deepEqual([deleted.node.createdIndex, deleted.prevNode.createdIndex], [g, g]);
  const fresh = json((await put('/cr/g', 'value=3')).body);
  assert.equal(fresh.node.createdIndex, fresh.node.modifiedIndex);
  assert.equal(fresh.prevNode, undefined);
});

test('a replaced file keeps its createdIndex when its directory loses its TTL', async () => {
  await put('/moving', 'dir=true&ttl=30');
  await put('/moving/f', 'value=1');
  const created = json((await put('/moving/f', 'value=2')).body).node.createdIndex;
  const oldLease = await leaseOf('/moving/');
  assert.equal((await put('/moving', 'dir=true&prevExist=true')).status, 200);
  api.expireLease(oldLease);
  const node = json((await get('/moving/f')).body).node;
  assert.deepEqual([node.value, node.createdIndex], ['2', created]);
});

test('a streaming recursive watch sends every visible change and skips hidden nodes', async () => {
  const w = await openStream(base, '/v2/keys/s?wait=true&stream=true&recursive=true');
  assert.equal(w.status, 200);
  assert.equal(w.headers['content-type'], 'application/json');
  assert.ok(w.headers['x-etcd-index'] !== undefined);
  await put('/s/a', 'value=1');
  await put('/s/_hidden', 'value=2');
  await put('/s/dir/_deep/x', 'value=3');
  await request(base, 'DELETE', '/v2/keys/s/a');
  await request(base, 'POST', '/v2/keys/s/q', 'value=job');
  const lines = (await w.waitLines(3)).map(json);
  assert.deepEqual(
    lines.map((ev) => [ev.action, ev.node.key.replace(/\d{20}$/, 'N')]),
    [
      ['set', '/s/a'],
      ['delete', '/s/a'],
      ['create', '/s/q/N'],
    ],
  );
  assert.equal(lines[1].prevNode.value, '1');
  assert.equal(store.stats.watchers, 1);
  w.close();
  // A client hanging up ends its watch.
  for (let i = 0; i < 100 && store.stats.watchers > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(store.stats.watchers, 0);
});

test('a long poll with waitIndex answers from history with the current index in X-Etcd-Index', async () => {
  const first = json((await put('/h', 'value=1')).body).node.modifiedIndex;
  await put('/h', 'value=2');
  const res = await get(`/h?wait=true&waitIndex=${first}`);
  assert.equal(res.status, 200);
  assert.equal(json(res.body).node.value, '1');
  assert.ok(Number(res.headers['x-etcd-index']) > first);
});

test('waitIndex before the last 1000 indexes, or compacted, is "event index cleared"', async () => {
  // Revisions written outside the v2 tree move the index just the same, and are quicker to make.
  const v3put = { key: Buffer.from('elsewhere'), value: Buffer.from('v'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false };
  for (let i = 0; i < 1000; i++) await api.put(v3put);
  await put('/many', 'value=999');
  const current = Number((await get('/many')).headers['x-etcd-index']);
  const old = await get('/many?wait=true&waitIndex=2');
  assert.equal(old.status, 400);
  assert.deepEqual(json(old.body), {
    errorCode: 401,
    message: 'The event in requested index is outdated and cleared',
    cause: `the requested history has been cleared [${current - 999}/2]`,
    index: current,
  });
  await api.compact({ revision: BigInt(current), physical: false });
  const compacted = await get(`/many?wait=true&waitIndex=${current - 1}`);
  assert.equal(compacted.status, 400);
  assert.equal(json(compacted.body).errorCode, 401);
  const inWindow = await get(`/many?wait=true&waitIndex=${current}`);
  assert.equal(json(inWindow.body).node.value, '999');
});

test('a long poll that sees nothing ends empty after the watch timeout', async () => {
  const res = await get('/quiet?wait=true');
  assert.equal(res.status, 200);
  assert.equal(res.body, '');
});

test('concurrent POSTs get distinct, increasing in-order keys', async () => {
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => request(base, 'POST', '/v2/keys/jobs', `value=${i}`)));
  const nodes = results.map((r) => json(r.body).node);
  assert.equal(new Set(nodes.map((n) => n.key)).size, 8);
  const listed = json((await get('/jobs?sorted=true')).body).node.nodes;
  assert.equal(listed.length, 8);
  for (let i = 1; i < listed.length; i++) assert.ok(listed[i].createdIndex > listed[i - 1].createdIndex);
  for (const n of listed) assert.equal(n.key, `/jobs/${String(n.createdIndex).padStart(20, '0')}`);
});

test('HEAD answers like GET without a body', async () => {
  await put('/head', 'value=1');
  const res = await request(base, 'HEAD', '/v2/keys/head');
  assert.equal(res.status, 200);
  assert.equal(res.body, '');
  assert.ok(res.headers['x-etcd-index'] !== undefined);
});

test('keys nested deeper than the gateway supports are refused', async () => {
  const deep = '/d'.repeat(63);
  const res = await put(deep, 'value=1');
  assert.equal(res.status, 400);
  assert.equal(json(res.body).errorCode, 209);
  const deepest = '/d'.repeat(62);
  assert.equal((await put(deepest, 'value=1')).status, 201);
  assert.equal((await put(deepest, 'value=2')).status, 200);
  assert.equal((await request(base, 'DELETE', `/v2/keys${deepest}`)).status, 200);
});

test('failures of the layers below are Raft internal errors (500)', async () => {
  const txn = api.txn;
  api.txn = async () => {
    throw new EtcdError('noLeader');
  };
  try {
    const res = await put('/x', 'value=1');
    assert.equal(res.status, 500);
    assert.equal(res.body, '{"errorCode":300,"message":"Raft Internal Error","cause":"etcdserver: no leader","index":0}\n');
  } finally {
    api.txn = txn;
  }
});

test('query parameters decode like Go: "+" is a space, keys are percent-decoded and cleaned', async () => {
  const res = await request(base, 'PUT', '/v2/keys/a%20b/../c?value=x+y');
  assert.equal(json(res.body).node.key, '/c');
  assert.equal(json(res.body).node.value, 'x y');
});
