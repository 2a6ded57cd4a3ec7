// The npm `etcd3` client (the most used Node.js etcd client) must work against tetcd unchanged.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Etcd3, EtcdLeaseInvalidError, EtcdLockFailedError, type IKeyValue } from 'etcd3';
import { spawnTetcd, type SpawnedMember } from '../helpers/tetcd';

let member: SpawnedMember;
let client: Etcd3;
before(async () => {
  member = await spawnTetcd();
  await member.waitHealthy();
  client = new Etcd3({ hosts: member.clientUrl });
});
after(async () => {
  client?.close();
  await member?.stop();
  if (member) fs.rmSync(member.dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('etcd3 client: keys', () => {
  it('put, get, delete', async () => {
    const put = await client.put('foo').value('bar');
    assert.ok(Number(put.header.revision) > 1);
    assert.equal(await client.get('foo').string(), 'bar');
    assert.equal(await client.get('missing').string(), null);
    const del = await client.delete().key('foo');
    assert.equal(del.deleted, '1');
    assert.equal(await client.get('foo').string(), null);
  });

  it('put with prevKv, and numbers and buffers', async () => {
    await client.put('n').value(41);
    const res = await client.put('n').value(42).getPrevious();
    assert.equal(res?.value.toString(), '41');
    assert.equal(await client.get('n').number(), 42);
    await client.put(Buffer.from([0, 1, 2])).value(Buffer.from([255, 0]));
    assert.deepEqual(await client.get(Buffer.from([0, 1, 2])).buffer(), Buffer.from([255, 0]));
  });

  it('prefix get, count, keys, sort, limit, delete', async () => {
    for (const k of ['p/c', 'p/a', 'p/b', 'q/a']) await client.put(k).value(`v-${k}`);
    assert.deepEqual(await client.getAll().prefix('p/').strings(), { 'p/a': 'v-p/a', 'p/b': 'v-p/b', 'p/c': 'v-p/c' });
    assert.equal(await client.getAll().prefix('p/').count(), 3);
    assert.deepEqual(await client.getAll().prefix('p/').keys(), ['p/a', 'p/b', 'p/c']);
    assert.deepEqual(await client.getAll().prefix('p/').sort('Key', 'Descend').limit(2).keys(), ['p/c', 'p/b']);
    const del = await client.delete().prefix('p/');
    assert.equal(del.deleted, '3');
    assert.deepEqual(await client.getAll().prefix('p/').keys(), []);
    assert.equal(await client.get('q/a').string(), 'v-q/a');
  });

  it('reads an older revision', async () => {
    const first = await client.put('hist').value('one');
    await client.put('hist').value('two');
    assert.equal(await client.get('hist').revision(first.header.revision).string(), 'one');
  });
});

describe('etcd3 client: transactions', () => {
  it('runs then when the comparison holds', async () => {
    await client.put('t').value('1');
    const res = await client.if('t', 'Value', '==', '1').then(client.put('t').value('2')).else(client.put('t').value('x')).commit();
    assert.equal(res.succeeded, true);
    assert.equal(await client.get('t').string(), '2');
  });

  it('runs else when it does not, and returns the else results', async () => {
    const res = await client.if('t', 'Value', '==', '1').then(client.put('t').value('3')).else(client.get('t')).commit();
    assert.equal(res.succeeded, false);
    assert.equal(res.responses[0].response_range?.kvs[0].value.toString(), '2');
  });

  it('compares versions, create revisions and several keys at once', async () => {
    const res = await client
      .if('t', 'Version', '==', 2)
      .and('never-created', 'Create', '==', 0)
      .and('t', 'Mod', '>', 0)
      .then(client.put('t2').value('a'), client.delete().key('t'))
      .commit();
    assert.equal(res.succeeded, true);
    assert.equal(await client.get('t').string(), null);
    assert.equal(await client.get('t2').string(), 'a');
  });
});

describe('etcd3 client: leases', () => {
  it('grants, attaches keys, keeps alive and revokes', async () => {
    const lease = client.lease(5);
    const id = await lease.grant();
    assert.match(id, /^\d+$/);
    await lease.put('leased').value('v');
    const kv = (await client.get('leased').exec()).kvs[0];
    assert.equal(kv.lease, id);
    const once = await lease.keepaliveOnce();
    assert.equal(Number(once.TTL), 5);
    let kept = 0;
    lease.on('keepaliveSucceeded', () => kept++);
    // The client sends keep-alives every TTL/3 seconds; two rounds prove the stream works both ways.
    await until('two automatic keep-alives', () => kept >= 2, 6000);
    assert.equal(await client.get('leased').string(), 'v');
    const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true });
    assert.ok(Number(ttl.TTL) > 0 && Number(ttl.TTL) <= 5, `ttl ${ttl.TTL}`);
    assert.equal(Number(ttl.grantedTTL), 5);
    assert.deepEqual(ttl.keys.map(String), ['leased']);
    await lease.revoke();
    assert.equal(await client.get('leased').string(), null);
  });

  it('an unrenewed lease expires and deletes its keys', async () => {
    const lease = client.lease(2, { autoKeepAlive: false });
    const id = await lease.grant();
    await lease.put('short').value('v');
    await until('the lease key to expire', async () => (await client.get('short').string()) === null, 8000);
    // The server answers a keep-alive for a dead lease with TTL 0, which the client turns into this error.
    await assert.rejects(lease.keepaliveOnce(), EtcdLeaseInvalidError);
    const ttl = await client.leaseClient.leaseTimeToLive({ ID: id });
    assert.equal(Number(ttl.TTL), -1);
  });

  it('lists leases', async () => {
    const lease = client.lease(30);
    const id = await lease.grant();
    const { leases } = await client.leaseClient.leaseLeases({});
    assert.ok(leases.some((l) => l.ID === id), `${id} not in ${JSON.stringify(leases)}`);
    await lease.revoke();
  });
});

describe('etcd3 client: watch', () => {
  it('sees puts and deletes under a prefix, with previous values', async () => {
    const watcher = await client.watch().prefix('w/').withPreviousKV().create();
    const events: string[] = [];
    watcher.on('put', (kv: IKeyValue, prev?: IKeyValue) => events.push(`put ${kv.key} ${kv.value} prev=${prev?.value ?? ''}`));
    watcher.on('delete', (kv: IKeyValue, prev?: IKeyValue) => events.push(`delete ${kv.key} prev=${prev?.value ?? ''}`));
    await client.put('w/a').value('1');
    await client.put('w/a').value('2');
    await client.put('other').value('x');
    await client.delete().key('w/a');
    await until('three events', () => events.length >= 3);
    await watcher.cancel();
    assert.deepEqual(events, ['put w/a 1 prev=', 'put w/a 2 prev=1', 'delete w/a prev=2']);
  });

  it('replays from a start revision', async () => {
    const start = await client.put('wr').value('first');
    await client.put('wr').value('second');
    const watcher = await client.watch().key('wr').startRevision(start.header.revision).create();
    const seen: string[] = [];
    watcher.on('put', (kv: IKeyValue) => seen.push(kv.value.toString()));
    await until('two replayed events', () => seen.length >= 2);
    await watcher.cancel();
    assert.deepEqual(seen, ['first', 'second']);
  });
});

describe('etcd3 client: lock', () => {
  it('excludes a second holder until the first releases', async () => {
    const first = await client.lock('my-lock').ttl(5).acquire();
    await assert.rejects(client.lock('my-lock').ttl(5).acquire(), EtcdLockFailedError);
    await first.release();
    const second = await client.lock('my-lock').ttl(5).acquire();
    await second.release();
  });

  it('do() runs the function under the lock', async () => {
    const result = await client.lock('do-lock').do(async () => {
      assert.equal((await client.getAll().prefix('do-lock').keys()).length, 1);
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(await client.getAll().prefix('do-lock').keys(), []);
  });
});
