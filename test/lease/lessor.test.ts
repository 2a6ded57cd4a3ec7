import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lessor, MAX_LEASE_TTL, minLeaseTtl, type LeaseBackend } from '../../src/lease/lessor';
import { LeaseExistsError, LeaseNotFoundError, LeaseTTLTooLargeError, NotPrimaryError } from '../../src/lease/errors';
import { LeaseIdGenerator } from '../../src/lease/lease-id';

class MemoryBackend implements LeaseBackend {
  readonly buckets = new Map<string, Map<string, Buffer>>();
  putMeta(bucket: string, key: Buffer, value: Buffer): void {
    let entries = this.buckets.get(bucket);
    if (entries === undefined) this.buckets.set(bucket, (entries = new Map()));
    entries.set(key.toString('hex'), Buffer.from(value));
  }
  deleteMeta(bucket: string, key: Buffer): void {
    this.buckets.get(bucket)?.delete(key.toString('hex'));
  }
  *iterateMeta(bucket: string): Iterable<[Buffer, Buffer]> {
    const entries = [...(this.buckets.get(bucket) ?? new Map<string, Buffer>()).entries()].sort();
    for (const [key, value] of entries) yield [Buffer.from(key, 'hex'), value];
  }
}

function setup(opts: { minTtl?: number; checkpointIntervalMs?: number } = {}) {
  const clock = { ms: 1_000_000 };
  const backend = new MemoryBackend();
  const lessor = new Lessor({ backend, now: () => clock.ms, ...opts });
  return { clock, backend, lessor };
}


test('minLeaseTtl follows etcd: ceil(floor(3*electionTicks/2) * heartbeat) in seconds', () => {
  assert.equal(minLeaseTtl(10, 100), 2); // 15 * 100ms = 1.5s -> 2s
  assert.equal(minLeaseTtl(5, 200), 2); // floor(7.5)=7 * 200ms = 1.4s -> 2s
  assert.equal(minLeaseTtl(20, 500), 15);
});

test('grant validates id, TTL and duplicates with etcd messages, and raises short TTLs to the minimum', () => {
  const { lessor } = setup({ minTtl: 5 });
  assert.throws(() => lessor.grant(0n, 10), LeaseNotFoundError);
  assert.throws(() => lessor.grant(1n, MAX_LEASE_TTL + 1), (e: Error) => e instanceof LeaseTTLTooLargeError && e.message === 'etcdserver: too large lease TTL');
  assert.deepEqual(lessor.grant(1n, 2), { id: 1n, ttl: 5 });
  assert.deepEqual(lessor.grant(2n, 60), { id: 2n, ttl: 60 });
  assert.throws(() => lessor.grant(1n, 10), (e: Error) => e instanceof LeaseExistsError && e.message === 'etcdserver: lease already exists');
  assert.deepEqual(lessor.leases(), [1n, 2n]);
  assert.equal(lessor.has(2n), true);
  assert.equal(lessor.has(3n), false);
});

test('revoke forgets the lease and its record; a second revoke is "not found"', () => {
  const { lessor, backend } = setup();
  lessor.grant(1n, 10);
  lessor.grant(2n, 10);
  lessor.revoke(1n);
  assert.equal(lessor.has(1n), false);
  assert.throws(() => lessor.revoke(1n), (e: Error) => e.message === 'etcdserver: requested lease not found');
  assert.equal(backend.buckets.get('lease')?.size, 1);
  assert.deepEqual(lessor.leases(), [2n]);
});

test('followers never expire leases and refuse keep-alives; the leader expires after TTL + extension', async () => {
  const { lessor, clock } = setup();
  lessor.grant(1n, 10);
  clock.ms += 100_000;
  assert.deepEqual(lessor.expired(), []);
  await assert.rejects(lessor.renew(1n), NotPrimaryError);
  assert.throws(() => lessor.timeToLive(1n), NotPrimaryError);

  lessor.promote(2000);
  assert.equal(lessor.timeToLive(1n).remainingTtl, 12);
  clock.ms += 11_999;
  assert.deepEqual(lessor.expired(), []);
  clock.ms += 1;
  assert.deepEqual(lessor.expired(), [1n]);
  // Not offered again until the retry interval passes, in case the revoke proposal was lost.
  clock.ms += 2999;
  assert.deepEqual(lessor.expired(), []);
  clock.ms += 1;
  assert.deepEqual(lessor.expired(), [1n]);
});

test('expired() honours its limit', () => {
  const { lessor, clock } = setup();
  lessor.promote(0);
  for (let i = 1n; i <= 5n; i++) lessor.grant(i, 1);
  clock.ms += 1000;
  assert.equal(lessor.expired(3).length, 3);
  assert.equal(lessor.expired(3).length, 2);
  assert.equal(lessor.expired(3).length, 0);
});

test('renew restarts the clock at the full TTL; timeToLive reports granted and remaining TTL and keys', async () => {
  const { lessor, clock } = setup();
  lessor.promote(0);
  lessor.grant(7n, 30);
  clock.ms += 20_500;
  assert.deepEqual(lessor.timeToLive(7n), { id: 7n, grantedTtl: 30, remainingTtl: 9 });
  assert.equal(await lessor.renew(7n), 30);
  assert.equal(lessor.timeToLive(7n).remainingTtl, 30);
  await assert.rejects(lessor.renew(8n), LeaseNotFoundError);
  assert.throws(() => lessor.timeToLive(8n), LeaseNotFoundError);
});

test('a keep-alive for an expired lease waits for the revoke (not found) or demotion (not primary)', async () => {
  const { lessor, clock } = setup();
  lessor.promote(0);
  lessor.grant(1n, 5);
  lessor.grant(2n, 5);
  clock.ms += 5000;
  const first = lessor.renew(1n);
  const second = lessor.renew(2n);
  lessor.revoke(1n);
  await assert.rejects(first, LeaseNotFoundError);
  lessor.demote();
  await assert.rejects(second, NotPrimaryError);
});

test('demote stops expiry; promote restarts every clock', () => {
  const { lessor, clock } = setup();
  lessor.promote(0);
  lessor.grant(1n, 5);
  lessor.demote();
  clock.ms += 60_000;
  assert.deepEqual(lessor.expired(), []);
  lessor.promote(1000);
  assert.equal(lessor.timeToLive(1n).remainingTtl, 6);
});

test('checkpoints: due once per interval for long leases, and a new leader resumes from the remainder', () => {
  const { lessor, clock } = setup({ checkpointIntervalMs: 10_000 });
  lessor.promote(0);
  lessor.grant(1n, 100);
  lessor.grant(2n, 5); // shorter than the interval: never checkpointed
  assert.deepEqual(lessor.dueCheckpoints(), []);
  clock.ms += 10_000;
  assert.deepEqual(lessor.dueCheckpoints(), [{ id: 1n, remainingTtl: 90 }]);
  assert.deepEqual(lessor.dueCheckpoints(), []);
  // The proposal commits and is applied everywhere; the next checkpoint is scheduled on apply.
  lessor.checkpoint(1n, 90);
  lessor.checkpoint(99n, 5); // unknown: ignored
  clock.ms += 10_000;
  assert.deepEqual(lessor.dueCheckpoints(), [{ id: 1n, remainingTtl: 80 }]);

  lessor.demote();
  assert.deepEqual(lessor.dueCheckpoints(), []);
  lessor.promote(0);
  assert.equal(lessor.timeToLive(1n).remainingTtl, 90);
});

test('renewing a checkpointed lease proposes a reset of its remainder', async () => {
  const { lessor, clock } = setup({ checkpointIntervalMs: 10_000 });
  lessor.promote(0);
  lessor.grant(1n, 100);
  lessor.checkpoint(1n, 40);
  assert.equal(await lessor.renew(1n), 100);
  assert.equal(await lessor.renew(1n), 100);
  assert.deepEqual(lessor.dueCheckpoints(), [{ id: 1n, remainingTtl: 0 }]);
  lessor.checkpoint(1n, 0);
  lessor.demote();
  clock.ms += 1;
  lessor.promote(0);
  assert.equal(lessor.timeToLive(1n).remainingTtl, 100);
});

test('checkpointing can be disabled', () => {
  const clock = { ms: 0 };
  const lessor = new Lessor({ backend: new MemoryBackend(), now: () => clock.ms, checkpointing: false, checkpointIntervalMs: 1000 });
  lessor.promote(0);
  lessor.grant(1n, 100);
  clock.ms += 5000;
  assert.deepEqual(lessor.dueCheckpoints(), []);
});

test('leases and checkpointed remainders survive a restart through the backend', async () => {
  const { lessor, backend, clock } = setup({ minTtl: 3 });
  lessor.grant(1n, 50);
  lessor.grant(2n, 60);
  lessor.grant(3n, 70);
  lessor.checkpoint(2n, 25);
  lessor.revoke(3n);

  const reopened = await Lessor.open({ backend, now: () => clock.ms, minTtl: 3 });
  assert.deepEqual(reopened.leases(), [1n, 2n]);
  reopened.promote(0);
  assert.equal(reopened.timeToLive(1n).remainingTtl, 50);
  assert.equal(reopened.timeToLive(2n).remainingTtl, 25);
  assert.equal(reopened.timeToLive(2n).grantedTtl, 60);
});

test('promote spreads a pile-up of expiries so no second exceeds 3/4 of the revoke rate', () => {
  const { lessor, clock } = setup();
  for (let i = 1n; i <= 2000n; i++) lessor.grant(i, 10);
  lessor.promote(0);
  const seen = new Set<bigint>();
  const perSecond: number[] = [];
  for (let s = 1; s <= 20; s++) {
    clock.ms += 1000;
    const fresh = lessor.expired(10_000).filter((id) => !seen.has(id));
    for (const id of fresh) seen.add(id);
    perSecond.push(fresh.length);
  }
  assert.equal(seen.size, 2000);
  assert.ok(perSecond.filter((n) => n > 0).length >= 3);
  for (const n of perSecond) assert.ok(n <= 751, `${n} leases expired within one second`);
});

test('lease ids are positive, distinct, and differ between members', () => {
  const a = new LeaseIdGenerator(0x1234n, 1_700_000_000_000);
  const b = new LeaseIdGenerator(0x4321n, 1_700_000_000_000);
  const ids = new Set<bigint>();
  for (let i = 0; i < 1000; i++) {
    for (const id of [a.next(), b.next()]) {
      assert.ok(id > 0n && id < 1n << 63n);
      ids.add(id);
    }
  }
  assert.equal(ids.size, 2000);
});
