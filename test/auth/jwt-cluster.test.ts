// JWT tokens (--auth-token jwt,...) against real etcd 3.4, and simple tokens in a three-member tetcd cluster: a
// token minted through one member must work on the others, since every member applies the Authenticate entry.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { assertSame, startPair, type Pair } from '../helpers/compat';
import { etcdctl, freePort, spawnTetcd, tempDir, type SpawnedMember } from '../helpers/tetcd';
import { AuthClient, KVClient, RangeRequest } from '../../src/gen/etcdserverpb/rpc';

describe('JWT tokens, compared with etcd', () => {
  let pair: Pair;
  let keyDir: string;
  before(async () => {
    keyDir = tempDir('tetcd-jwt-');
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const priv = path.join(keyDir, 'priv.pem');
    const pub = path.join(keyDir, 'pub.pem');
    fs.writeFileSync(priv, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    fs.writeFileSync(pub, publicKey.export({ format: 'pem', type: 'spki' }));
    pair = await startPair(['--bcrypt-cost', '4', '--auth-token', `jwt,pub-key=${pub},priv-key=${priv},sign-method=ES256`]);
  });
  after(async () => {
    await pair?.stop();
    fs.rmSync(keyDir, { recursive: true, force: true });
  });

  it('logs in, checks permissions and refuses bad passwords the same way', async () => {
    await assertSame(pair, ['user', 'add', 'root:pw']);
    await assertSame(pair, ['role', 'add', 'r']);
    await assertSame(pair, ['role', 'grant-permission', 'r', 'read', 'k']);
    await assertSame(pair, ['user', 'add', 'u:upw']);
    await assertSame(pair, ['user', 'grant-role', 'u', 'r']);
    await assertSame(pair, ['auth', 'enable']);
    await assertSame(pair, ['--user', 'root:pw', 'put', 'k', 'v']);
    assert.equal((await assertSame(pair, ['--user', 'u:upw', 'get', 'k'])).stdout, 'k\nv\n');
    await assertSame(pair, ['--user', 'u:upw', 'put', 'k', 'v2']);
    await assertSame(pair, ['--user', 'u:nope', 'get', 'k']);
  });
});

/** Calls with the token a member handed out, the way clientv3 does (metadata "token"). */
function withToken(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('token', token);
  return md;
}

describe('simple tokens in a three-member tetcd cluster', () => {
  const members: SpawnedMember[] = [];
  before(async () => {
    const ports = [];
    for (let i = 0; i < 3; i++) ports.push({ client: await freePort(), peer: await freePort() });
    const initial = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(',');
    for (let i = 0; i < 3; i++) {
      members.push(
        await spawnTetcd({
          name: `m${i}`,
          clientPort: ports[i].client,
          peerPort: ports[i].peer,
          args: ['--initial-cluster', initial, '--bcrypt-cost', '4'],
        }),
      );
    }
    await Promise.all(members.map((m) => m.waitHealthy()));
  });
  after(async () => {
    await Promise.all(members.map((m) => m.stop()));
    for (const m of members) fs.rmSync(m.dataDir, { recursive: true, force: true });
  });

  it('accepts a token on every member, and forgets it everywhere once the password changes', async () => {
    const url = members[0].clientUrl;
    for (const args of [['user', 'add', 'root:pw'], ['user', 'grant-role', 'root', 'root'], ['auth', 'enable']]) {
      assert.equal((await etcdctl(url, args)).code, 0);
    }
    assert.equal((await etcdctl(url, ['--user', 'root:pw', 'put', 'k', 'v'])).code, 0);

    const target = (m: SpawnedMember) => m.clientUrl.replace('http://', '');
    const auth = new AuthClient(target(members[1]), grpc.credentials.createInsecure());
    const { token } = await new Promise<{ token: string }>((resolve, reject) =>
      auth.authenticate({ name: 'root', password: 'pw' }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    assert.match(token, /^[a-zA-Z]{16}\.\d+$/);

    const get = (m: SpawnedMember, tok: string) => {
      const kv = new KVClient(target(m), grpc.credentials.createInsecure());
      const req: RangeRequest = {
        ...RangeRequest.decode(new Uint8Array()),
        key: Buffer.from('k'),
      };
      return new Promise<string>((resolve, reject) =>
        kv.range(req, withToken(tok), (err, res) => {
          if (err) reject(err);
          else resolve(res.kvs[0].value.toString());
        }),
      ).finally(() => kv.close());
    };
    for (const m of members) assert.equal(await get(m, token), 'v');
    await assert.rejects(get(members[2], 'bogus.1'), /etcdserver: invalid auth token/);

    await new Promise<void>((resolve, reject) =>
      auth.userChangePassword({ name: 'root', password: 'pw2' }, withToken(token), (err) => (err ? reject(err) : resolve())),
    );
    auth.close();
    for (const m of members) await assert.rejects(get(m, token), /etcdserver: invalid auth token/);
  });
});
