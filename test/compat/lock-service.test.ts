// The v3lock gRPC service (which neither etcdctl nor the etcd3 client uses) and `etcdctl lock`, compared with etcd 3.4.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { LockClient, type LockResponse } from '../../src/gen/v3lockpb/v3lock';
import { assertSame, registerLease, startPair, type Pair, type Side } from '../helpers/compat';
import { etcdctl } from '../helpers/tetcd';

let pair: Pair;
const clients = new Map<Side, LockClient>();
before(async () => {
  pair = await startPair();
  for (const side of pair.sides) {
    clients.set(side, new LockClient(new URL(side.member.clientUrl).host, grpc.credentials.createInsecure()));
  }
});
after(async () => {
  for (const c of clients.values()) c.close();
  await pair?.stop();
});

function lock(side: Side, name: string, lease: string): Promise<LockResponse> {
  return new Promise((resolve, reject) =>
    clients.get(side)!.lock({ name: Buffer.from(name), lease: BigInt('0x' + lease) }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

function unlock(side: Side, key: Buffer): Promise<void> {
  return new Promise((resolve, reject) => clients.get(side)!.unlock({ key }, (err) => (err ? reject(err) : resolve())));
}

/** Grants a lease and returns its ID in lowercase hex without padding, as the lock service spells it in keys. */
async function grant(side: Side, name: string): Promise<string> {
  const r = await etcdctl(side.member.clientUrl, ['lease', 'grant', '60']);
  assert.equal(r.code, 0, r.stderr);
  return BigInt('0x' + registerLease(side, r.stdout, name)).toString(16);
}

describe('v3lock Lock service', () => {
  for (const label of ['tetcd', 'etcd'] as const) {
    it(`${label}: locks with the caller's lease, queues a second owner, hands over on unlock`, async () => {
      const side = label === 'tetcd' ? pair.tetcd : pair.etcd;
      const l1 = await grant(side, '<l1>');
      const l2 = await grant(side, '<l2>');
      const first = await lock(side, 'mtx', l1);
      assert.equal(first.key.toString(), `mtx/${l1}`);
      assert.ok(first.header && first.header.revision > 1n);

      let secondKey: string | undefined;
      const second = lock(side, 'mtx', l2).then((r) => (secondKey = r.key.toString()));
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(secondKey, undefined, 'the second owner got the lock while the first held it');

      await unlock(side, first.key);
      await second;
      assert.equal(secondKey, `mtx/${l2}`);
      // Revoking the owner's lease releases the lock too.
      const l3 = await grant(side, '<l3>');
      const third = lock(side, 'mtx', l3);
      assert.equal((await etcdctl(side.member.clientUrl, ['lease', 'revoke', l2])).code, 0);
      assert.equal((await third).key.toString(), `mtx/${l3}`);
      await unlock(side, Buffer.from(`mtx/${l3}`));
      assert.equal((await etcdctl(side.member.clientUrl, ['get', 'mtx', '--prefix', '--keys-only'])).stdout, '');
    });
  }

  it('both servers end with the same keys and revisions', async () => {
    await assertSame(pair, ['get', '', '--from-key', '-w', 'json']);
  });
});

describe('etcdctl lock', () => {
  it('runs a command while holding the lock', async () => {
    const r = await assertSame(pair, ['lock', 'cmd-lock', 'echo', 'held']);
    assert.equal(r.stdout, 'held\n');
    assert.equal((await assertSame(pair, ['get', 'cmd-lock', '--prefix', '--keys-only'])).stdout, '');
  });
});
