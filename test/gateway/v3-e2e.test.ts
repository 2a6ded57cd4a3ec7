// End to end: a real single-member tetcd behind the v3 JSON gateway, driven over HTTP as curl would drive etcd.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { parseConfig } from '../../src/config/parse';
import { startMember, type RunningMember } from '../../src/server/member';
import { V3Election } from '../../src/server/v3election';
import { V3Lock } from '../../src/server/v3lock';
import { registerV3Gateway } from '../../gateway/v3/register';
import { freePort } from '../helpers/tetcd';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('v3 gateway end to end on a real member', () => {
  let dataDir: string;
  let member: RunningMember;
  let app: FastifyInstance;
  let base: string;

  async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(base + url, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-v3gw-'));
    const clientUrl = `http://127.0.0.1:${await freePort()}`;
    const peerUrl = `http://127.0.0.1:${await freePort()}`;
    const cfg = parseConfig(
      [
        '--name', 'default', '--data-dir', dataDir,
        '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
        '--initial-cluster', `default=${peerUrl}`,
      ],
      {},
    );
    member = await startMember(cfg, pino({ level: 'silent' }));
    app = Fastify();
    registerV3Gateway(app, member.server, { lock: new V3Lock(member.server), election: new V3Election(member.server) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`;
    // A lone member elects itself; wait until it takes writes (outside the e2e/ prefix the tests use).
    for (let i = 0; ; i++) {
      const ready = await post('/v3/kv/put', { key: b64('ready'), value: b64('1') });
      if (ready.status === 200) break;
      if (i > 100) throw new Error(`member not ready: ${JSON.stringify(ready.json)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await app?.close();
    await member?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('put, range, txn and delete round-trip through the JSON API', async () => {
    const put = await post('/v3/kv/put', { key: b64('e2e/a'), value: b64('1') });
    assert.equal(put.status, 200);
    const header = put.json.header as Record<string, string>;
    assert.match(header.revision, /^\d+$/);
    assert.equal(header.member_id, member.server.memberId.toString());

    const range = await post('/v3/kv/range', { key: b64('e2e/'), range_end: b64('e2e0') });
    assert.deepEqual((range.json.kvs as Array<Record<string, string>>).map((kv) => [kv.key, kv.value]), [[b64('e2e/a'), b64('1')]]);
    assert.equal(range.json.count, '1');

    const txn = await post('/v3/kv/txn', {
      compare: [{ key: b64('e2e/a'), target: 'VALUE', result: 'EQUAL', value: b64('1') }],
      success: [{ requestPut: { key: b64('e2e/b'), value: b64('2') } }],
    });
    assert.equal(txn.json.succeeded, true);

    const del = await post('/v3/kv/deleterange', { key: b64('e2e/'), range_end: b64('e2e0'), prev_kv: true });
    assert.equal(del.json.deleted, '2');

    const empty = await post('/v3/kv/range', {});
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.json, { error: 'etcdserver: key is not provided', message: 'etcdserver: key is not provided', code: 3 });
  });

  test('leases: grant, attach, time-to-live with keys, keep-alive, revoke', async () => {
    const grant = await post('/v3/lease/grant', { TTL: 60 });
    const id = grant.json.ID as string;
    assert.equal(grant.json.TTL, '60');
    await post('/v3/kv/put', { key: b64('e2e/leased'), value: b64('x'), lease: id });
    const ttl = await post('/v3/kv/lease/timetolive', { ID: id, keys: true });
    assert.deepEqual(ttl.json.keys, [b64('e2e/leased')]);
    assert.equal(ttl.json.grantedTTL, '60');

    const keepAlive = await fetch(base + '/v3/lease/keepalive', { method: 'POST', body: JSON.stringify({ ID: id }) });
    const line = JSON.parse((await keepAlive.text()).trim()) as { result: Record<string, string> };
    assert.equal(line.result.ID, id);
    assert.equal(line.result.TTL, '60');

    assert.equal((await post('/v3/lease/revoke', { ID: id })).status, 200);
    const gone = await post('/v3/lease/revoke', { ID: id });
    assert.equal(gone.status, 404);
    assert.equal(gone.json.message, 'etcdserver: requested lease not found');
  });

  test('watch streams events as they happen', async () => {
    const lines: Array<{ result: Record<string, unknown> }> = [];
    let release!: () => void;
    const gotTwo = new Promise<void>((resolve) => (release = resolve));
    const req = http.request(base + '/v3/watch', { method: 'POST' }, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(buffered.slice(0, nl)));
          buffered = buffered.slice(nl + 1);
          if (lines.length === 2) release();
        }
      });
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ create_request: { key: b64('e2e/w') } }));
    for (let i = 0; i < 500 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lines[0]?.result.created, true);
    await post('/v3/kv/put', { key: b64('e2e/w'), value: b64('v') });
    await gotTwo;
    req.destroy();
    const events = lines[1].result.events as Array<{ kv: Record<string, string> }>;
    assert.equal(events[0].kv.key, b64('e2e/w'));
    assert.equal(events[0].kv.value, b64('v'));
  });

  test('cluster and maintenance answer like etcd', async () => {
    const list = await post('/v3/cluster/member/list', {});
    const members = list.json.members as Array<Record<string, unknown>>;
    assert.equal(members.length, 1);
    assert.equal(members[0].name, 'default');
    const status = await post('/v3/maintenance/status', {});
    assert.equal(status.json.version, '3.4.23');
    const alarms = await post('/v3/maintenance/alarm', { action: 'GET' });
    assert.equal(alarms.status, 200);
    assert.equal(alarms.json.alarms, undefined);
  });

  test('lock and unlock through the lock service', async () => {
    const grant = await post('/v3/lease/grant', { TTL: 30 });
    const lock = await post('/v3/lock/lock', { name: b64('e2e-lock'), lease: grant.json.ID });
    assert.equal(lock.status, 200);
    const key = Buffer.from(lock.json.key as string, 'base64').toString();
    assert.ok(key.startsWith('e2e-lock/'), key);
    assert.equal((await post('/v3/lock/unlock', { key: lock.json.key })).status, 200);
  });
});
