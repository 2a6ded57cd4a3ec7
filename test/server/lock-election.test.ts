// The Lock and Election services on a real member, driven by grpc-js clients and by real etcdctl 3.4 (whose lock and
// elect commands run etcd's client-side recipes over the KV API, so they queue with the services' own keys).
// Needs `npx tsc -p .` first: the member runs from dist/.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { KVClient, LeaseClient, type RangeResponse } from '../../src/gen/etcdserverpb/rpc';
import {
  ElectionClient,
  type CampaignResponse,
  type LeaderKey,
  type LeaderResponse,
} from '../../src/gen/v3electionpb/v3election';
import { LockClient, type LockResponse } from '../../src/gen/v3lockpb/v3lock';
import { ETCDCTL, haveEtcdctl, spawnTetcd, type SpawnedMember } from '../helpers/tetcd';

type Callback<T> = (err: grpc.ServiceError | null, res: T) => void;

/** Runs one unary call; `deadlineMs` makes the client give up (and cancel the call) after that long. */
function unary<T>(start: (cb: Callback<T>, opts: grpc.CallOptions) => void, deadlineMs?: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const opts: grpc.CallOptions = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
    start((err, res) => (err ? reject(err) : resolve(res)), opts);
  });
}

const b = (s: string): Buffer => Buffer.from(s);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Tracks whether a promise has settled, to assert that a call is still waiting. */
function track<T>(p: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise: p, settled: () => done };
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function rejectsWith(p: Promise<unknown>, code: grpc.status, details: string | RegExp): Promise<void> {
  return assert.rejects(p, (err: grpc.ServiceError) => {
    assert.equal(err.code, code, `code of "${err.details}"`);
    if (typeof details === 'string') assert.equal(err.details, details);
    else assert.match(err.details, details);
    return true;
  });
}

/** A long-running etcdctl command whose output the test watches. */
interface Ctl {
  proc: ChildProcess;
  stdout(): string;
  stop(): Promise<void>;
}

function startEtcdctl(endpoint: string, args: string[]): Ctl {
  const proc = spawn(ETCDCTL, ['--endpoints', endpoint, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    stdout: () => out,
    // SIGTERM lets etcdctl release what it holds (unlock / resign), as a user's Ctrl-C would.
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

describe('Lock and Election services', { skip: !haveEtcdctl() && 'etcdctl 3.4 is not installed' }, () => {
  let member: SpawnedMember;
  let endpoint: string;
  let lock: InstanceType<typeof LockClient>;
  let election: InstanceType<typeof ElectionClient>;
  let kv: InstanceType<typeof KVClient>;
  let lease: InstanceType<typeof LeaseClient>;
  const ctls: Ctl[] = [];

  before(async () => {
    member = await spawnTetcd();
    await member.waitHealthy();
    endpoint = member.clientUrl.replace('http://', '');
    const creds = grpc.credentials.createInsecure();
    lock = new LockClient(endpoint, creds);
    election = new ElectionClient(endpoint, creds);
    kv = new KVClient(endpoint, creds);
    lease = new LeaseClient(endpoint, creds);
  });

  after(async () => {
    for (const c of ctls) await c.stop();
    for (const c of [lock, election, kv, lease]) c?.close();
    await member?.stop();
    if (member) fs.rmSync(member.dataDir, { recursive: true, force: true });
  });

  const grant = async (ttl: bigint): Promise<bigint> =>
    (await unary<{ ID: bigint }>((cb) => lease.leaseGrant({ ID: 0n, TTL: ttl }, cb))).ID;
  const lockCall = (name: string, leaseId: bigint, deadlineMs?: number): Promise<LockResponse> =>
    unary((cb, opts) => lock.lock({ name: b(name), lease: leaseId }, new grpc.Metadata(), opts, cb), deadlineMs);
  const unlockCall = (key: Buffer) => unary<{ header?: { revision: bigint } }>((cb) => lock.unlock({ key }, cb));
  const get = (key: Buffer) =>
    unary<RangeResponse>((cb) =>
      kv.range(
        {
          key,
          rangeEnd: Buffer.alloc(0),
          limit: 0n,
          revision: 0n,
          sortOrder: 0,
          sortTarget: 0,
          serializable: false,
          keysOnly: false,
          countOnly: false,
          minModRevision: 0n,
          maxModRevision: 0n,
          minCreateRevision: 0n,
          maxCreateRevision: 0n,
        },
        cb,
      ),
    );
  const exists = async (key: Buffer): Promise<boolean> => (await get(key)).kvs.length === 1;
  const campaign = (name: string, leaseId: bigint, value: string, deadlineMs?: number): Promise<CampaignResponse> =>
    unary(
      (cb, opts) => election.campaign({ name: b(name), lease: leaseId, value: b(value) }, new grpc.Metadata(), opts, cb),
      deadlineMs,
    );
  const leaderOf = (name: string) => unary<LeaderResponse>((cb) => election.leader({ name: b(name) }, cb));
  const proclaim = (leader: LeaderKey, value: string) =>
    unary<{ header?: { revision: bigint } }>((cb) => election.proclaim({ leader, value: b(value) }, cb));
  const resign = (leader: LeaderKey) => unary<{ header?: { revision: bigint } }>((cb) => election.resign({ leader }, cb));

  describe('Lock', () => {
    it('grants the lock as name/<lease hex>, and a second locker waits until the first unlocks', async () => {
      const [l1, l2] = [await grant(30n), await grant(30n)];
      const first = await lockCall('queue', l1);
      assert.equal(first.key.toString(), `queue/${l1.toString(16)}`);
      assert.ok(await exists(first.key));

      const second = track(lockCall('queue', l2));
      await sleep(300);
      assert.equal(second.settled(), false, 'the second locker must wait while the first holds the lock');
      assert.ok(await exists(b(`queue/${l2.toString(16)}`)), 'the waiter is queued under the lock name');

      const unlocked = await unlockCall(first.key);
      const granted = await second.promise;
      assert.equal(granted.key.toString(), `queue/${l2.toString(16)}`);
      assert.ok(granted.header!.revision >= unlocked.header!.revision);
      assert.equal(await exists(first.key), false);
      await unlockCall(granted.key);
    });

    it('grants again at once to a lease that already holds the lock', async () => {
      const l = await grant(30n);
      const first = await lockCall('reentrant', l);
      const again = await lockCall('reentrant', l);
      assert.deepEqual(again.key, first.key);
      assert.equal(again.header!.revision, first.header!.revision, 'no new write for a key that exists');
      await unlockCall(first.key);
    });

    it('grants a fresh 60-second lease when the request names none', async () => {
      const res = await lockCall('leaseless', 0n);
      const [, hex] = res.key.toString().split('/');
      const ttl = await unary<{ grantedTTL: bigint }>((cb) => lease.leaseTimeToLive({ ID: BigInt('0x' + hex), keys: false }, cb));
      assert.equal(ttl.grantedTTL, 60n);
      await unlockCall(res.key);
    });

    it('does not grant a lock whose lease expires while it waits', async () => {
      const holder = await lockCall('expiring', await grant(30n));
      const short = await grant(2n);
      const started = Date.now();
      await rejectsWith(lockCall('expiring', short), grpc.status.UNKNOWN, 'mutex: session is expired');
      assert.ok(Date.now() - started >= 1000, 'the waiter fails when its lease expires, not before');
      assert.ok(await exists(holder.key), 'the holder keeps the lock');
      assert.equal(await exists(b(`expiring/${short.toString(16)}`)), false);
      await unlockCall(holder.key);
    });

    it('withdraws a waiter whose client gives up', async () => {
      const holder = await lockCall('abandoned', await grant(30n));
      const quitter = await grant(30n);
      await rejectsWith(lockCall('abandoned', quitter, 500), grpc.status.DEADLINE_EXCEEDED, /^Deadline exceeded/);
      await waitFor(async () => !(await exists(b(`abandoned/${quitter.toString(16)}`))), 'the abandoned key to go');
      // With the quitter gone, the next waiter gets the lock as soon as the holder unlocks.
      const next = track(lockCall('abandoned', await grant(30n)));
      await unlockCall(holder.key);
      await next.promise;
    });

    it('answers errors as etcd does: status UNKNOWN with etcd\'s message', async () => {
      await rejectsWith(lockCall('nolease', 0x7777n), grpc.status.UNKNOWN, 'etcdserver: requested lease not found');
      await rejectsWith(unlockCall(Buffer.alloc(0)), grpc.status.UNKNOWN, 'etcdserver: key is not provided');
      const res = await unlockCall(b('never-locked/1'));
      assert.ok(res.header!.revision > 0n, 'unlocking a key that is not there is not an error');
    });

    it('queues with etcdctl lock, which runs the same recipe over the KV API', async () => {
      const ctl = startEtcdctl(endpoint, ['lock', 'shared']);
      ctls.push(ctl);
      await waitFor(() => ctl.stdout().startsWith('shared/'), 'etcdctl to take the lock');
      const ctlKey = b(ctl.stdout().split('\n')[0]);
      assert.ok(await exists(ctlKey));

      const mine = track(lockCall('shared', await grant(30n)));
      await sleep(300);
      assert.equal(mine.settled(), false, 'the gRPC locker waits for etcdctl');
      await ctl.stop();
      const granted = await mine.promise;
      assert.equal(await exists(ctlKey), false);

      // And the other way round: etcdctl waits while the gRPC caller holds the lock.
      const waiter = startEtcdctl(endpoint, ['lock', 'shared']);
      ctls.push(waiter);
      await sleep(500);
      assert.equal(waiter.stdout(), '', 'etcdctl must not get the lock while it is held');
      await unlockCall(granted.key);
      await waitFor(() => waiter.stdout().startsWith('shared/'), 'etcdctl to get the lock');
      await waiter.stop();
    });
  });

  describe('Election', () => {
    it('elects the first candidate; proclaim, leader and resign hand leadership on in order', async () => {
      const [la, lb] = [await grant(30n), await grant(30n)];
      const alice = await campaign('board', la, 'alice');
      assert.deepEqual(alice.leader, { name: b('board'), key: b(`board/${la.toString(16)}`), rev: alice.header!.revision, lease: la });
      assert.equal((await leaderOf('board')).kv!.value.toString(), 'alice');

      const bob = track(campaign('board', lb, 'bob'));
      await sleep(300);
      assert.equal(bob.settled(), false, 'a second candidate waits while the leader stays');

      await proclaim(alice.leader!, 'alice-2');
      const current = await leaderOf('board');
      assert.equal(current.kv!.value.toString(), 'alice-2');
      assert.equal(current.kv!.createRevision, alice.leader!.rev, 'proclaiming keeps the leader key');

      await resign(alice.leader!);
      const bobWon = await bob.promise;
      assert.equal(bobWon.leader!.key.toString(), `board/${lb.toString(16)}`);
      assert.equal((await leaderOf('board')).kv!.value.toString(), 'bob');

      // A resigned leader's key no longer proves anything.
      await rejectsWith(proclaim(alice.leader!, 'alice-3'), grpc.status.UNKNOWN, 'election: not leader');
      const again = await resign(alice.leader!);
      assert.ok(again.header!.revision > 0n, 'resigning twice is not an error');
      assert.equal((await leaderOf('board')).kv!.value.toString(), 'bob');
      await resign(bobWon.leader!);
    });

    it('a candidate that campaigns again keeps its place and updates its proposal', async () => {
      const l = await grant(30n);
      const first = await campaign('repeat', l, 'v1');
      const second = await campaign('repeat', l, 'v2');
      assert.deepEqual(second.leader, first.leader);
      assert.equal(second.header!.revision, first.header!.revision);
      assert.equal((await leaderOf('repeat')).kv!.value.toString(), 'v2');
      await resign(first.leader!);
    });

    it('answers errors as etcd does', async () => {
      await rejectsWith(leaderOf('empty-election'), grpc.status.UNKNOWN, 'election: no leader');
      await rejectsWith(
        unary((cb) => election.proclaim({ value: b('x') }, cb)),
        grpc.status.UNKNOWN,
        '"leader" field must be provided',
      );
      await rejectsWith(unary((cb) => election.resign({}, cb)), grpc.status.UNKNOWN, '"leader" field must be provided');
      await rejectsWith(campaign('bad-lease', 0x7777n, 'x'), grpc.status.UNKNOWN, 'etcdserver: requested lease not found');
    });

    it('does not elect a candidate whose lease expires while it waits', async () => {
      const leader = await campaign('expiring', await grant(30n), 'stays');
      const short = await grant(2n);
      await rejectsWith(campaign('expiring', short, 'goes'), grpc.status.UNKNOWN, 'election: session is expired');
      assert.equal((await leaderOf('expiring')).kv!.value.toString(), 'stays');
      await resign(leader.leader!);
    });

    it('withdraws a candidate whose client gives up', async () => {
      const leader = await campaign('quit', await grant(30n), 'leader');
      const quitter = await grant(30n);
      await rejectsWith(campaign('quit', quitter, 'quitter', 500), grpc.status.DEADLINE_EXCEEDED, /^Deadline exceeded/);
      await waitFor(async () => !(await exists(b(`quit/${quitter.toString(16)}`))), 'the abandoned candidacy to go');
      await resign(leader.leader!);
      await rejectsWith(leaderOf('quit'), grpc.status.UNKNOWN, 'election: no leader');
    });

    it('observe streams the leader, its proclamations and its successors until the client cancels', async () => {
      const seen: string[] = [];
      let ended: grpc.status | undefined;
      const stream = election.observe({ name: b('watched') });
      stream.on('data', (r: LeaderResponse) => seen.push(r.kv!.value.toString()));
      stream.on('error', (err: grpc.ServiceError) => (ended = err.code));
      stream.on('end', () => (ended ??= grpc.status.OK));

      await sleep(200);
      assert.deepEqual(seen, [], 'nothing to report before anyone campaigns');
      const [la, lb] = [await grant(30n), await grant(30n)];
      const a = await campaign('watched', la, 'a1');
      await waitFor(() => seen.length === 1, 'the first leader');
      await proclaim(a.leader!, 'a2');
      await waitFor(() => seen.length === 2, 'the proclamation');
      const bWins = campaign('watched', lb, 'b1');
      await resign(a.leader!);
      const bLeader = await bWins;
      await waitFor(() => seen.length === 3, 'the next leader');
      assert.deepEqual(seen, ['a1', 'a2', 'b1']);

      stream.cancel();
      await waitFor(() => ended !== undefined, 'the stream to end');
      assert.equal(ended, grpc.status.CANCELLED);
      await resign(bLeader.leader!);
    });

    it('interoperates with etcdctl elect (campaign and observe)', async () => {
      const observer = startEtcdctl(endpoint, ['elect', '-l', 'ctl-election']);
      ctls.push(observer);
      const mine = await campaign('ctl-election', await grant(30n), 'grpc-leader');
      const myKey = mine.leader!.key.toString();
      await waitFor(() => observer.stdout().includes(`${myKey}\ngrpc-leader\n`), 'etcdctl to observe the gRPC leader');

      const candidate = startEtcdctl(endpoint, ['elect', 'ctl-election', 'ctl-leader']);
      ctls.push(candidate);
      await sleep(500);
      assert.equal(candidate.stdout(), '', 'etcdctl is not elected while the gRPC leader stays');

      await resign(mine.leader!);
      await waitFor(() => candidate.stdout().endsWith('\nctl-leader\n'), 'etcdctl to be elected');
      await waitFor(() => observer.stdout().endsWith('\nctl-leader\n'), 'etcdctl -l to observe the new leader');
      assert.equal((await leaderOf('ctl-election')).kv!.value.toString(), 'ctl-leader');

      await candidate.stop();
      await waitFor(async () => {
        try {
          await leaderOf('ctl-election');
          return false;
        } catch {
          return true;
        }
      }, 'etcdctl to resign on SIGTERM');
      await observer.stop();
    });
  });
});
