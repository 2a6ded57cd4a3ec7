// The v2 gateway on a real single-member tetcd (Raft, MVCC, lessor), driven over HTTP and by etcd 3.4's own
// etcdctl speaking the v2 API. The gateway gets its own listener so the test does not depend on how the
// member's client port is wired.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { registerV2 } from '../../gateway/v2';
import { defaultConfig } from '../../src/config/types';
import { startMember, type RunningMember } from '../../src/server/member';
import { openStream, request } from './http-client';

const ETCDCTL = '/usr/bin/etcdctl';

let dataDir: string;
let member: RunningMember;
let app: FastifyInstance;
let base: string;

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-v2-member-'));
  member = await startMember(
    {
      ...defaultConfig(),
      name: 'v2',
      dataDir,
      listenClientUrls: ['http://127.0.0.1:0'],
      advertiseClientUrls: ['http://127.0.0.1:0'],
      listenPeerUrls: ['http://127.0.0.1:0'],
      initialAdvertisePeerUrls: ['http://127.0.0.1:2380'],
      initialCluster: 'v2=http://127.0.0.1:2380',
    },
    pino({ level: 'silent' }),
  );
  app = Fastify();
  registerV2(app, member.server);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  for (let i = 0; i < 100 && member.server.leader() === 0n; i++) await new Promise((r) => setTimeout(r, 50));
  assert.notEqual(member.server.leader(), 0n, 'the member elects itself');
});

after(async () => {
  await app.close();
  await member.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface CtlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** etcdctl in v2 mode against the gateway; --no-sync keeps it off the member's advertised URLs. */
function ctl(...args: string[]): Promise<CtlResult> {
  return new Promise((resolve) => {
    execFile(
      ETCDCTL,
      ['--no-sync', '--endpoints', base, ...args],
      { env: { ...process.env, ETCDCTL_API: '2' }, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? 1), stdout, stderr }),
    );
  });
}

test('etcdctl set, get, mk, update and the swap variants', async () => {
  assert.deepEqual(await ctl('set', '/ctl/x', '1'), { code: 0, stdout: '1\n', stderr: '' });
  assert.equal((await ctl('get', '/ctl/x')).stdout, '1\n');
  const exists = await ctl('mk', '/ctl/x', '2');
  assert.equal(exists.code, 4);
  assert.match(exists.stderr, /^Error: {2}105: Key already exists \(\/ctl\/x\) \[\d+\]\n$/);
  assert.equal((await ctl('mk', '/ctl/y', '2')).stdout, '2\n');
  assert.equal((await ctl('update', '/ctl/x', '5')).stdout, '5\n');
  assert.match((await ctl('update', '/ctl/nope', '1')).stderr, /100: Key not found \(\/ctl\/nope\)/);
  assert.equal((await ctl('set', '--swap-with-value', '5', '/ctl/x', '6')).stdout, '6\n');
  const badValue = await ctl('set', '--swap-with-value', '5', '/ctl/x', '7');
  assert.match(badValue.stderr, /101: Compare failed \(\[5 != 6\]\)/);
  const index = JSON.parse((await ctl('-o', 'json', 'get', '/ctl/x')).stdout).node.modifiedIndex;
  assert.equal((await ctl('set', '--swap-with-index', String(index), '/ctl/x', '8')).stdout, '8\n');
  assert.match((await ctl('set', '--swap-with-index', String(index), '/ctl/x', '9')).stderr, /101: Compare failed/);
});

test('etcdctl mkdir, ls, rm and rmdir', async () => {
  assert.equal((await ctl('mkdir', '/tree')).code, 0);
  assert.match((await ctl('mkdir', '/tree')).stderr, /105: Key already exists/);
  await ctl('set', '/tree/a', '1');
  await ctl('set', '/tree/sub/b', '2');
  await ctl('set', '/tree/_hidden', '3');
  assert.equal((await ctl('ls', '--sort', '/tree')).stdout, '/tree/a\n/tree/sub\n');
  assert.equal((await ctl('ls', '--sort', '--recursive', '-p', '/tree')).stdout, '/tree/a\n/tree/sub/\n/tree/sub/b\n');
  assert.match((await ctl('rm', '/tree/sub')).stderr, /102: Not a file \(\/tree\/sub\)/);
  assert.match((await ctl('rmdir', '/tree/sub')).stderr, /108: Directory not empty \(\/tree\/sub\)/);
  assert.equal((await ctl('rm', '/tree/sub/b')).stdout, 'PrevNode.Value: 2\n');
  assert.equal((await ctl('rmdir', '/tree/sub')).code, 0);
  assert.equal((await ctl('rm', '--recursive', '/tree')).code, 0);
  assert.match((await ctl('get', '/tree/a')).stderr, /100: Key not found \(\/tree\)/);
});

test('etcdctl set --ttl: the node reports its TTL and disappears when the lease runs out', async () => {
  const set = JSON.parse((await ctl('-o', 'json', 'set', '--ttl', '2', '/short', 'v')).stdout);
  assert.equal(set.node.ttl, 2);
  const extended = (await ctl('-o', 'extended', 'get', '/short')).stdout;
  assert.match(extended, /^Key: \/short\nCreated-Index: \d+\nModified-Index: \d+\nTTL: [12]\nIndex: \d+\n\nv\n$/);
  // Watching from just after the set finds the expiry even if it already happened.
  const watch = await openStream(base, `/v2/keys/short?wait=true&waitIndex=${set.node.modifiedIndex + 1}`);
  const ev = JSON.parse((await watch.waitLines(1))[0]);
  assert.equal(ev.action, 'expire');
  assert.equal(ev.node.key, '/short');
  assert.equal((await request(base, 'GET', '/v2/keys/short')).status, 404);
});

test('etcdctl watch returns the next change; exec-watch runs its command per change', async () => {
  const watching = ctl('watch', '/w');
  // etcdctl's watch starts from "now": give it a moment to be in place before the change it waits for.
  await waitForWatchers(1);
  await ctl('set', '/w', 'hello');
  assert.deepEqual(await watching, { code: 0, stdout: 'hello\n', stderr: '' });

  const out = path.join(dataDir, 'exec-watch.out');
  // etcdctl only keeps the "--" separator when a flag comes before the key, hence --recursive.
  const exec = spawn(ETCDCTL, ['--no-sync', '--endpoints', base, 'exec-watch', '--recursive', '/e', '--', 'sh', '-c', `echo "$ETCD_WATCH_VALUE" >> ${out}`], {
    env: { ...process.env, ETCDCTL_API: '2' },
    stdio: 'ignore',
  });
  try {
    await waitForWatchers(1);
    await ctl('set', '/e', 'one');
    await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8') === 'one\n');
    await waitForWatchers(1);
    await ctl('set', '/e', 'two');
    await waitFor(() => fs.readFileSync(out, 'utf8') === 'one\ntwo\n');
  } finally {
    exec.kill('SIGKILL');
  }
});

test('the HTTP API on the real member: in-order keys and a recursive stream', async () => {
  const stream = await openStream(base, '/v2/keys/q?wait=true&recursive=true&stream=true');
  const first = JSON.parse((await request(base, 'POST', '/v2/keys/q', 'value=a')).body).node;
  const second = JSON.parse((await request(base, 'POST', '/v2/keys/q', 'value=b')).body).node;
  assert.equal(first.key, `/q/${String(first.createdIndex).padStart(20, '0')}`);
  assert.ok(second.key > first.key);
  const events = (await stream.waitLines(2)).map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => e.node.key), [first.key, second.key]);
  stream.close();
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForWatchers(n: number): Promise<void> {
  const watchers = async () => JSON.parse((await request(base, 'GET', '/v2/stats/store')).body).watchers as number;
  const until = Date.now() + 10_000;
  while ((await watchers()) < n) {
    if (Date.now() > until) throw new Error('no watcher showed up');
    await new Promise((r) => setTimeout(r, 50));
  }
}
