import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyValue } from '../../src/gen/mvccpb/kv';
import { CompactedError } from '../../src/mvcc/errors';
import { MvccStore } from '../../src/mvcc/store';
import { b, removeDir, tempDir } from './helpers';

// Checks the store against a naive model that keeps a full copy of the key
// space for every revision, over a seeded random mix of writes, compactions,
// commits and restarts.

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type State = Map<string, KeyValue>;

function describe(kvs: KeyValue[]): string[] {
  return kvs.map((kv) => `${kv.key}=${kv.value}/c${kv.createRevision}/m${kv.modRevision}/v${kv.version}/l${kv.lease}`);
}

function modelRange(state: State, from: string, to: string): KeyValue[] {
  return [...state.entries()]
    .filter(([k]) => k >= from && k < to)
    .sort(([x], [y]) => Buffer.compare(b(x), b(y)))
    .map(([, kv]) => kv);
}

for (const seed of [1, 2, 3]) {
  test(`store matches a naive model (seed ${seed})`, async () => {
    const rand = prng(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const keyNames = ['a', 'b', 'ba', 'c', 'd', 'e'];
    const dir = tempDir();
    let store = await MvccStore.open(dir);
    // history[rev] = key space after revision rev.
    const history: State[] = [new Map(), new Map()];
    // touched[rev] = keys that revision wrote (put or actually deleted).
    const touched: Array<Set<string>> = [new Set(), new Set()];
    let committed = 0;
    let raftIndex = 0;
    try {
      for (let step = 0; step < 250; step++) {
        const roll = rand();
        const rev = store.currentRevision;
        if (roll < 0.75) {
          const next = new Map(history[rev]);
          const wrote = new Set<string>();
          const txn = store.write();
          const ops = 1 + Math.floor(rand() * 3);
          for (let i = 0; i < ops; i++) {
            const key = pick(keyNames);
            if (rand() < 0.75) {
              const value = `v${step}.${i}`;
              const lease = BigInt(Math.floor(rand() * 3));
              txn.put(b(key), b(value), lease);
              wrote.add(key);
              const prev = next.get(key);
              next.set(key, {
                key: b(key),
                value: b(value),
                createRevision: prev?.createRevision ?? BigInt(rev + 1),
                modRevision: BigInt(rev + 1),
                version: (prev?.version ?? 0n) + 1n,
                lease,
              });
            } else {
              const end = pick([key, 'c', 'z']);
              txn.deleteRange(b(key), end > key ? b(end) : undefined);
              for (const k of [...next.keys()]) {
                if (end > key ? k >= key && k < end : k === key) {
                  next.delete(k);
                  wrote.add(k);
                }
              }
            }
          }
          const { revision } = txn.end();
          if (revision === rev + 1) {
            history.push(next);
            touched.push(wrote);
          } else {
            assert.equal(revision, rev);
          }
        } else if (roll < 0.82 && rev > store.compactRevision + 1) {
          store.compact(store.compactRevision < 1 ? 1 + Math.floor(rand() * rev) : store.compactRevision + 1 + Math.floor(rand() * (rev - store.compactRevision)));
        } else if (roll < 0.93) {
          raftIndex++;
          await store.commit(raftIndex);
          committed = store.currentRevision;
        } else {
          // Simulated crash: everything after the last commit is lost.
          await store.close();
          store = await MvccStore.open(dir);
          assert.equal(store.consistentIndex, raftIndex);
          assert.equal(store.currentRevision, Math.max(committed, 1));
          history.length = store.currentRevision + 1;
          touched.length = store.currentRevision + 1;
        }

        const now = store.currentRevision;
        const from = pick(keyNames);
        const current = store.range(b(from), b('z'));
        assert.ok(!(current instanceof Promise));
        assert.deepEqual(describe(current.kvs), describe(modelRange(history[now], from, 'z')), `step ${step} current`);
        const at = 1 + Math.floor(rand() * now);
        if (at < store.compactRevision) {
          assert.throws(() => store.range(b(from), b('z'), { revision: at }), CompactedError);
        } else {
          const past = await store.range(b(from), b('z'), { revision: at });
          assert.deepEqual(describe(past.kvs), describe(modelRange(history[at], from, 'z')), `step ${step} at ${at}`);
        }
      }

      // Replaying history from the compaction point reproduces every change.
      const start = Math.max(store.compactRevision + 1, 2);
      const events = await store.eventsSince(start);
      for (let rev = start; rev <= store.currentRevision; rev++) {
        // A key written twice in one transaction yields two events.
        const got = [...new Set(events.filter((e) => e.kv?.modRevision === BigInt(rev)).map((e) => e.kv!.key.toString()))].sort();
        assert.deepEqual(got, [...touched[rev]].sort(), `events at ${rev}`);
      }
    } finally {
      await store.close();
      removeDir(dir);
    }
  });
}
