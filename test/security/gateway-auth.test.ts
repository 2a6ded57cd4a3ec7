// With auth enabled, the HTTP front ends and the Lock service act for the user a request's credentials name: v2
// requests through HTTP basic auth, v3 JSON requests through the token in the Authorization header, gRPC Lock calls
// through the "token" metadata. One real member, set up with real etcdctl.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { LockClient, type LockResponse } from '../../src/gen/v3lockpb/v3lock';
import { etcdctl, spawnTetcd, type SpawnedMember } from '../helpers/tetcd';

let member: SpawnedMember;

const ctl = async (...args: string[]): Promise<string> => {
  const res = await etcdctl(member.clientUrl, args);
  assert.equal(res.code, 0, `etcdctl ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout;
};

const basic = (user: string, password: string): string => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function v2(method: string, key: string, opts: { auth?: string; body?: string } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  if (opts.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${member.clientUrl}/v2/keys${key}`, { method, headers, body: opts.body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function v3(path: string, body: object, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = token;
  const res = await fetch(`${member.clientUrl}/v3${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

before(async () => {
  member = await spawnTetcd({ args: ['--bcrypt-cost', '4'] });
  await member.waitHealthy();
  await ctl('user', 'add', 'root:rootpw');
  // alice may read and write the v2 tree (which lives under /tetcd/v2/) and app/; bob may only read the v2 tree.
  await ctl('role', 'add', 'rw');
  await ctl('role', 'grant-permission', 'rw', 'readwrite', '/tetcd/v2/', '--prefix');
  await ctl('role', 'grant-permission', 'rw', 'readwrite', 'app/', '--prefix');
  await ctl('user', 'add', 'alice:apw');
  await ctl('user', 'grant-role', 'alice', 'rw');
  await ctl('role', 'add', 'ro');
  await ctl('role', 'grant-permission', 'ro', 'read', '/tetcd/v2/', '--prefix');
  await ctl('user', 'add', 'bob:bpw');
  await ctl('user', 'grant-role', 'bob', 'ro');
  assert.equal(await ctl('auth', 'enable'), 'Authentication Enabled\n');
});

after(async () => {
  await member?.stop();
});

describe('v2 API with HTTP basic auth', () => {
  it('writes and reads as a permitted user', async () => {
    const put = await v2('PUT', '/dir/foo', { auth: basic('alice', 'apw'), body: 'value=bar' });
    assert.equal(put.status, 201);
    assert.equal((put.json.node as { value: string }).value, 'bar');
    const get = await v2('GET', '/dir/foo', { auth: basic('bob', 'bpw') });
    assert.equal(get.status, 200);
    assert.equal((get.json.node as { value: string }).value, 'bar');
  });

  it('refuses a write the role does not allow, no credentials and a wrong password with 401', async () => {
    const insufficient = { errorCode: 110, message: 'The request requires user authentication', cause: 'Insufficient credentials', index: 0 };
    const denied = await v2('PUT', '/dir/foo', { auth: basic('bob', 'bpw'), body: 'value=x' });
    assert.equal(denied.status, 401);
    assert.deepEqual(denied.json, insufficient);
    const anonymous = await v2('GET', '/dir/foo');
    assert.equal(anonymous.status, 401);
    assert.deepEqual(anonymous.json, insufficient);
    const wrong = await v2('GET', '/dir/foo', { auth: basic('alice', 'nope') });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json, insufficient);
    // The refused write changed nothing.
    const get = await v2('GET', '/dir/foo', { auth: basic('alice', 'apw') });
    assert.equal((get.json.node as { value: string }).value, 'bar');
  });
});

describe('v3 JSON gateway with a token in the Authorization header', () => {
  let token = '';

  it('authenticates through /v3/auth/authenticate', async () => {
    const res = await v3('/auth/authenticate', { name: 'alice', password: 'apw' });
    assert.equal(res.status, 200);
    assert.equal(typeof res.json.token, 'string');
    token = res.json.token as string;
    assert.notEqual(token, '');
  });

  it('acts for the token user, and refuses no token or an unknown one', async () => {
    assert.equal((await v3('/kv/put', { key: b64('app/a'), value: b64('1') }, token)).status, 200);
    const range = await v3('/kv/range', { key: b64('app/a') }, token);
    assert.equal(range.status, 200);
    assert.equal((range.json.kvs as Array<{ value: string }>)[0].value, b64('1'));
    const outside = await v3('/kv/put', { key: b64('other'), value: b64('1') }, token);
    assert.equal(outside.status, 403);
    assert.equal(outside.json.message, 'etcdserver: permission denied');
    const anonymous = await v3('/kv/range', { key: b64('app/a') });
    assert.equal(anonymous.json.message, 'etcdserver: user name is empty');
    const bogus = await v3('/kv/range', { key: b64('app/a') }, 'not-a-token');
    assert.equal(bogus.status, 401);
    assert.equal(bogus.json.message, 'etcdserver: invalid auth token');
  });

  it('routes the auth admin calls, which only root may make', async () => {
    const asAlice = await v3('/auth/user/list', {}, token);
    assert.equal(asAlice.json.message, 'etcdserver: permission denied');
    const rootToken = (await v3('/auth/authenticate', { name: 'root', password: 'rootpw' })).json.token as string;
    const asRoot = await v3('/auth/user/list', {}, rootToken);
    assert.equal(asRoot.status, 200);
    assert.deepEqual(asRoot.json.users, ['alice', 'bob', 'root']);
  });

  it('locks and unlocks through /v3/lock as the token user', async () => {
    const locked = await v3('/lock/lock', { name: b64('app/gw-lock') }, token);
    assert.equal(locked.status, 200);
    const key = Buffer.from(locked.json.key as string, 'base64').toString();
    assert.match(key, /^app\/gw-lock\/[0-9a-f]+$/);
    assert.equal((await v3('/lock/unlock', { key: locked.json.key }, token)).status, 200);
    const anonymous = await v3('/lock/lock', { name: b64('app/gw-lock') });
    assert.equal(anonymous.status, 500);
    assert.equal(anonymous.json.message, 'etcdserver: user name is empty');
  });
});

describe('Lock service with auth', () => {
  it('etcdctl --user lock runs its command while holding the lock', async () => {
    assert.equal(await ctl('--user', 'alice:apw', 'lock', 'app/ctl-lock', 'echo', 'held'), 'held\n');
    const denied = await etcdctl(member.clientUrl, ['--user', 'bob:bpw', 'lock', 'app/ctl-lock', 'echo', 'held']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /permission denied/);
  });

  it('the gRPC Lock service acts for the token in the call metadata', async () => {
    const token = (await v3('/auth/authenticate', { name: 'alice', password: 'apw' })).json.token as string;
    const client = new LockClient(member.clientUrl.replace('http://', ''), grpc.credentials.createInsecure());
    const lock = (name: string, metadata: grpc.Metadata): Promise<LockResponse> =>
      new Promise((resolve, reject) =>
        client.lock({ name: Buffer.from(name), lease: 0n }, metadata, (err, res) => (err ? reject(err) : resolve(res))),
      );
    try {
      const withToken = new grpc.Metadata();
      withToken.set('token', token);
      const res = await lock('app/grpc-lock', withToken);
      assert.match(res.key.toString(), /^app\/grpc-lock\/[0-9a-f]+$/);
      await assert.rejects(lock('app/grpc-lock-2', new grpc.Metadata()), {
        code: grpc.status.UNKNOWN,
        details: 'etcdserver: user name is empty',
      });
    } finally {
      client.close();
    }
  });
});
