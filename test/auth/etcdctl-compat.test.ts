// etcdctl's auth commands, and everything auth refuses, must print against tetcd exactly what they print against
// real etcd 3.4. Both members get the same commands in the same order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertSame, runBoth, startPair, type Pair } from '../helpers/compat';
import { etcdctl } from '../helpers/tetcd';

let pair: Pair;
before(async () => {
  // The lowest bcrypt cost keeps the many logins of this test quick on both servers.
  pair = await startPair(['--bcrypt-cost', '4']);
});
after(async () => {
  await pair?.stop();
});

const same = (...args: string[]) => assertSame(pair, args);
const asRoot = (...args: string[]) => same('--user', 'root:pw', ...args);
const asU = (...args: string[]) => same('--user', 'u:upw', ...args);

describe('etcdctl auth against tetcd and etcd', () => {
  it('sets up users, roles and permissions before auth is on', async () => {
    assert.match((await same('auth', 'enable')).stderr, /\nError: etcdserver: root user does not exist\n$/);
    assert.equal((await same('user', 'add', 'root:pw')).stdout, 'User root created\n');
    await same('role', 'add', 'r');
    await same('role', 'grant-permission', 'r', 'readwrite', '/foo', '--prefix');
    await same('role', 'grant-permission', 'r', 'read', '/ro');
    await same('role', 'grant-permission', 'r', 'write', 'a', 'c');
    await same('user', 'add', 'u:upw');
    await same('user', 'grant-role', 'u', 'r');
    await same('user', 'add', 'cn-only', '--no-password');
    await same('user', 'add', 'typed', '--new-user-password', 'tpw');
    await same('user', 'list');
    await same('role', 'get', 'r');
    await same('role', 'get', 'r', '-w', 'json');
    await same('user', 'get', 'u', '--detail');
  });

  it('enables auth (etcdctl grants root the root role on the way)', async () => {
    assert.equal((await same('auth', 'enable')).stdout, 'Authentication Enabled\n');
  });

  it('lets root do anything and a user only what its roles allow', async () => {
    assert.equal((await asRoot('put', '/foo/a', '1')).stdout, 'OK\n');
    await asRoot('put', '/bar', '2');
    await asRoot('put', '/ro', '3');
    assert.equal((await asU('get', '/foo', '--prefix')).stdout, '/foo/a\n1\n');
    assert.match((await asU('get', '/bar')).stderr, /\nError: etcdserver: permission denied\n$/);
    await asU('get', '/ro');
    await asU('put', '/ro', 'x');
    await asU('put', '/foo/b', 'x');
    await asU('put', '/fop', 'x');
    await asU('put', 'b', 'x');
    await asU('get', 'b');
    await asU('get', '', '--prefix');
    await asU('del', '/foo', '--prefix');
    await asU('put', '/foo/c', 'y', '--prev-kv');
    await asRoot('get', '', '--prefix', '-w', 'json');
  });

  it('cancels watches on ranges the user may not read', async () => {
    const denied = await asU('watch', '/bar');
    assert.match(denied.stdout + denied.stderr, /watch was canceled \(rpc error: code = PermissionDenied desc = etcdserver: permission denied\)/);
    await same('watch', '/foo/a');
    await asU('watch', '/foo', '/foq');
  });

  it('checks every key of a txn', async () => {
    await same('--user', 'u:upw', 'txn', '--interactive=false');
    const txn = (body: string) => assertSame(pair, ['--user', 'u:upw', 'txn'], body);
    await txn('value("/foo/a") = "1"\n\nput /foo/t ok\n\nput /foo/f no\n\n');
    await txn('value("/foo/a") = "1"\n\nput /foo/t ok\n\nput /bar no\n\n');
    await txn('value("/bar") = "2"\n\nget /foo/a\n\n\n');
  });

  it('refuses wrong passwords, unknown users and requests without credentials', async () => {
    const bad = await same('--user', 'u:bad', 'get', '/foo/a');
    assert.match(bad.stderr, /Error: etcdserver: authentication failed, invalid user ID or password/);
    await same('--user', 'ghost:pw', 'get', '/foo/a');
    await same('--user', 'cn-only:', 'get', '/foo/a');
    await same('--user', 'typed:tpw', 'get', '/foo/a');
    const anon = await same('get', '/foo/a');
    assert.match(anon.stderr, /Error: etcdserver: user name is empty/);
    await same('put', '/foo/a', 'z');
  });

  it('keeps user and role management, maintenance and membership changes for root', async () => {
    await asU('user', 'list');
    await asU('role', 'list');
    await asU('user', 'get', 'u');
    await asU('user', 'get', 'root');
    await asU('role', 'get', 'r');
    await asU('role', 'get', 'root');
    await asU('user', 'add', 'x:y');
    await asU('role', 'grant-permission', 'r', 'readwrite', '/', '--prefix');
    await asU('auth', 'disable');
    await asU('defrag');
    await asU('endpoint', 'hashkv');
    // etcdctl logs the snapshot's progress from two goroutines in either order: compare the outcome only.
    const [t, e] = await runBoth(pair, ['--user', 'u:upw', 'snapshot', 'save', '/dev/null']);
    assert.deepEqual([t.code, t.stderr.trim().split('\n').pop()], [e.code, e.stderr.trim().split('\n').pop()]);
    assert.equal(t.stderr.trim().split('\n').pop(), 'Error: rpc error: code = Unknown desc = auth: permission denied');
    await asU('member', 'add', 'm2', '--peer-urls', 'http://127.0.0.1:1');
    await asU('member', 'remove', '1234');
    await asU('compact', '1');
    await asU('alarm', 'list');
  });

  it("answers etcd's errors for bad auth management", async () => {
    await asRoot('user', 'delete', 'root');
    await asRoot('role', 'delete', 'root');
    await asRoot('user', 'revoke-role', 'root', 'root');
    await asRoot('user', 'revoke-role', 'u', 'nope');
    await asRoot('user', 'grant-role', 'u', 'nope');
    await asRoot('user', 'grant-role', 'nobody', 'r');
    await asRoot('role', 'revoke-permission', 'r', '/nope');
    await asRoot('role', 'revoke-permission', 'r', 'a', 'c');
    await asRoot('user', 'add', 'u:again');
    await asRoot('role', 'add', 'r');
    await asRoot('user', 'get', 'nobody');
    await asRoot('role', 'get', 'nobody');
    await asRoot('user', 'delete', 'nobody');
    await asRoot('role', 'delete', 'nobody');
  });

  it('applies role and password changes to later requests', async () => {
    await asRoot('role', 'revoke-permission', 'r', '/foo', '--prefix');
    await asU('get', '/foo/a');
    await asRoot('role', 'grant-permission', 'r', 'read', '/foo/a');
    await asU('get', '/foo/a');
    await assertSame(pair, ['--user', 'root:pw', 'user', 'passwd', 'u', '--interactive=false'], 'newpw\n');
    await asU('get', '/foo/a');
    await same('--user', 'u:newpw', 'get', '/foo/a');
    await asRoot('role', 'delete', 'r');
    await same('--user', 'u:newpw', 'get', '/foo/a');
    await asRoot('user', 'delete', 'u');
    await same('--user', 'u:newpw', 'get', '/foo/a');
  });

  it('refuses a lease revoke by a user who may not write its keys', async () => {
    await asRoot('user', 'add', 'v:vpw');
    await asRoot('role', 'add', 'lease-user');
    await asRoot('role', 'grant-permission', 'lease-user', 'readwrite', '/v/', '--prefix');
    await asRoot('user', 'grant-role', 'v', 'lease-user');
    const ids = await Promise.all(
      pair.sides.map(async (side) => {
        const r = await etcdctl(side.member.clientUrl, ['--user', 'root:pw', 'lease', 'grant', '600']);
        const id = /lease ([0-9a-f]+) granted/.exec(r.stdout)![1];
        await etcdctl(side.member.clientUrl, ['--user', 'root:pw', 'put', '/secret', 's', '--lease', id]);
        return id;
      }),
    );
    const revoke = await assertSame(pair, (side) => ['--user', 'v:vpw', 'lease', 'revoke', ids[pair.sides.indexOf(side)]]);
    assert.match(revoke.stderr, /permission denied/);
    await assertSame(pair, (side) => ['--user', 'v:vpw', 'put', '/v/k', 'x', '--lease', ids[pair.sides.indexOf(side)]]);
  });

  it('disables auth, after which anyone may do anything', async () => {
    await asRoot('auth', 'disable');
    assert.equal((await same('get', '/bar')).stdout, '/bar\n2\n');
    await same('auth', 'disable');
    await same('--user', 'v:vpw', 'get', '/bar');
    await same('user', 'list');
  });
});
