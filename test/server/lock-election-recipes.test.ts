// V3Lock and V3Election over an in-process service layer (the gateway tests' FakeService: real MVCC store and watch
// streams, leases that expire only when the test says), for the orderings and clean-ups a real member cannot pin
// down deterministically: queue order, lease expiry mid-wait, cancellation, and no watch left open afterwards.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { LeaderResponse } from '../../src/gen/v3electionpb/v3election';
import { prefixEnd } from '../../src/mvcc/key-range';
import { CanceledError, type RecipeApi } from '../../src/server/prefix-queue';
import { ELECTION_SESSION_EXPIRED, V3Election } from '../../src/server/v3election';
import { LOCK_SESSION_EXPIRED, V3Lock } from '../../src/server/v3lock';
import { FakeService } from '../gateway/fake-service';

const b = (s: string): Buffer => Buffer.from(s);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Lets in-flight reads, writes and watch deliveries (some go through the store's files) run their course. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 30));
  for (let i = 0; i < 20; i++) await tick();
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function track<T>(p: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise: p, settled: () => done };
}

describe('prefixEnd', () => {
  it('follows etcd: bump the last byte below 0xff, drop the 0xff bytes after it, "\\0" when all are 0xff', () => {
    assert.deepEqual(prefixEnd(b('lock/')), b('lock0'));
    assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff, 0xff])), b('b'));
    assert.deepEqual(prefixEnd(Buffer.from([0xff])), Buffer.from([0]));
  });
});

describe('lock and election recipes over the service layer', () => {
  let fake: FakeService;
  let api: RecipeApi;
  let openWatches: number;

  beforeEach(async () => {
    fake = await FakeService.open();
    openWatches = 0;
    api = {
      range: (r) => fake.range(r),
      put: (r) => fake.put(r),
      deleteRange: (r) => fake.deleteRange(r),
      txn: (r) => fake.txn(r),
      compact: (r) => fake.compact(r),
      leaseGrant: (r) => fake.leaseGrant(r),
      leaseRevoke: (r) => fake.leaseRevoke(r),
      leaseRenew: (id) => fake.leaseRenew(id),
      leaseTimeToLive: (r) => fake.leaseTimeToLive(r),
      leaseLeases: () => fake.leaseLeases(),
      openWatchStream: (send) => {
        const stream = fake.openWatchStream(send);
        openWatches++;
        let closed = false;
        return {
          ...stream,
          close: () => {
            if (!closed) openWatches--;
            closed = true;
            stream.close();
          },
        };
      },
    };
  });

  afterEach(async () => {
    await settle();
    assert.equal(openWatches, 0, 'every watch opened while waiting is closed again');
    await fake.close();
  });

  const grant = async (): Promise<bigint> => (await fake.leaseGrant({ ID: 0n, TTL: 30n })).ID;
  const exists = async (key: Buffer): Promise<boolean> =>
    (await fake.range({ key, rangeEnd: Buffer.alloc(0), limit: 0n, revision: 0n, sortOrder: 0, sortTarget: 0, serializable: false, keysOnly: false, countOnly: false, minModRevision: 0n, maxModRevision: 0n, minCreateRevision: 0n, maxCreateRevision: 0n })).kvs.length > 0;

  it('grants waiters strictly in the order they queued', async () => {
    const lock = new V3Lock(api);
    const [l1, l2, l3] = [await grant(), await grant(), await grant()];
    const first = await lock.lock({ name: b('q'), lease: l1 });
    const second = track(lock.lock({ name: b('q'), lease: l2 }));
    await settle();
    const third = track(lock.lock({ name: b('q'), lease: l3 }));
    await settle();
    assert.equal(second.settled() || third.settled(), false);

    await lock.unlock({ key: first.key });
    const granted = await second.promise;
    await settle();
    assert.equal(third.settled(), false, 'the third waits for the second, not only for the first');
    await lock.unlock({ key: granted.key });
    assert.equal((await third.promise).key.toString(), `q/${l3.toString(16)}`);
  });

  it('a waiter in the middle leaving early does not let the one behind it jump the holder', async () => {
    const lock = new V3Lock(api);
    const [l1, l2, l3] = [await grant(), await grant(), await grant()];
    const holder = await lock.lock({ name: b('m'), lease: l1 });
    const middle = track(lock.lock({ name: b('m'), lease: l2 }));
    await settle();
    const last = track(lock.lock({ name: b('m'), lease: l3 }));
    await settle();

    fake.expireLease(l2);
    await assert.rejects(middle.promise, { message: LOCK_SESSION_EXPIRED });
    await settle();
    assert.equal(last.settled(), false, 'the holder still holds the lock');
    await lock.unlock({ key: holder.key });
    await last.promise;
  });

  it('fails a waiter as soon as its own lease expires, without waiting for the holder', async () => {
    const lock = new V3Lock(api);
    const holder = await lock.lock({ name: b('x'), lease: await grant() });
    const short = await grant();
    const waiter = track(lock.lock({ name: b('x'), lease: short }));
    await settle();
    fake.expireLease(short);
    await assert.rejects(waiter.promise, { message: LOCK_SESSION_EXPIRED });
    assert.ok(await exists(holder.key));
  });

  it('an aborted lock withdraws its key so the next waiter is not held up', async () => {
    const lock = new V3Lock(api);
    const holder = await lock.lock({ name: b('a'), lease: await grant() });
    const quitter = await grant();
    const abort = new AbortController();
    const waiting = lock.lock({ name: b('a'), lease: quitter }, abort.signal);
    await settle();
    abort.abort();
    await assert.rejects(waiting, CanceledError);
    assert.equal(await exists(b(`a/${quitter.toString(16)}`)), false);
    await lock.unlock({ key: holder.key });
  });

  it('an aborted campaign resigns; a candidate whose lease expires is not elected', async () => {
    const election = new V3Election(api);
    const leader = await election.campaign({ name: b('e'), lease: await grant(), value: b('one') });
    const quitter = await grant();
    const abort = new AbortController();
    const waiting = election.campaign({ name: b('e'), lease: quitter, value: b('two') }, abort.signal);
    await settle();
    abort.abort();
    await assert.rejects(waiting, CanceledError);
    assert.equal(await exists(b(`e/${quitter.toString(16)}`)), false);

    const short = await grant();
    const doomed = track(election.campaign({ name: b('e'), lease: short, value: b('three') }));
    await settle();
    fake.expireLease(short);
    await assert.rejects(doomed.promise, { message: ELECTION_SESSION_EXPIRED });
    assert.equal((await election.leader({ name: b('e') })).kv!.value.toString(), 'one');
    await election.resign({ leader: leader.leader });
  });

  it('observe reports a leader elected after it started, follows it, and stops on abort', async () => {
    const election = new V3Election(api);
    const seen: LeaderResponse[] = [];
    const abort = new AbortController();
    const observing = election.observe({ name: b('o') }, (r) => seen.push(r), abort.signal);
    await settle();
    assert.equal(seen.length, 0);

    const lease = await grant();
    const won = await election.campaign({ name: b('o'), lease, value: b('v1') });
    await waitFor(() => seen.length === 1, 'the first leader');
    assert.equal(seen[0].header!.revision, won.leader!.rev, "the header names the proposal's revision");
    await election.proclaim({ leader: won.leader, value: b('v2') });
    await waitFor(() => seen.length === 2, 'the proclamation');
    // A leader key deleted behind the election's back (lease expiry) ends that leader's term for the observer too.
    fake.expireLease(lease);
    await settle();
    const next = await election.campaign({ name: b('o'), lease: await grant(), value: b('w1') });
    await waitFor(() => seen.length === 3, 'the next leader');
    assert.deepEqual(
      seen.map((r) => r.kv!.value.toString()),
      ['v1', 'v2', 'w1'],
    );
    abort.abort();
    await observing;
    await election.resign({ leader: next.leader });
  });
});
