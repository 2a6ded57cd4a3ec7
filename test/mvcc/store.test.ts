import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Event, Event_EventType } from '../../src/gen/mvccpb/kv';
import { CompactedError, FutureRevError } from '../../src/mvcc/errors';
import { MvccStore } from '../../src/mvcc/store';
import { b, del, keys, openTempStore, put, removeDir, tempDir, values } from './helpers';

test('an empty store starts at revision 1, never compacted', async () => {
  const { store, done } = await openTempStore();
  try {
    assert.equal(store.currentRevision, 1);
    assert.equal(store.compactRevision, -1);
    assert.equal(store.consistentIndex, 0);
  } finally {
    await done();
  }
});

test('revisions and versions follow etcd', async () => {
  const { store, done } = await openTempStore();
  try {
    assert.equal(put(store, 'a', '1'), 2);
    assert.equal(put(store, 'a', '2'), 3);
    const txn = store.write();
    const first = txn.put(b('b'), b('x'));
    const second = txn.put(b('a'), b('3'));
    assert.equal(first.prev, undefined);
    assert.equal(second.prev?.value.toString(), '2');
    assert.equal(txn.end().revision, 4);

    const [a, bb] = (store.range(b('a'), b('c')) as { kvs: any[] }).kvs;
    assert.deepEqual([a.createRevision, a.modRevision, a.version], [2n, 4n, 3n]);
    assert.deepEqual([bb.createRevision, bb.modRevision, bb.version], [4n, 4n, 1n]);

    assert.equal(del(store, 'a'), 5);
    assert.equal(put(store, 'a', 'again'), 6);
    const recreated = (store.range(b('a'), undefined) as { kvs: any[] }).kvs[0];
    assert.deepEqual([recreated.createRevision, recreated.modRevision, recreated.version], [6n, 6n, 1n]);
  } finally {
    await done();
  }
});

test('a write transaction without changes does not bump the revision', async () => {
  const { store, done } = await openTempStore();
  try {
    put(store, 'a', '1');
    const txn = store.write();
    assert.equal(txn.deleteRange(b('missing'), undefined).deleted, 0);
    const { revision, events } = txn.end();
    assert.equal(revision, 2);
    assert.equal(events.length, 0);
    assert.equal(store.currentRevision, 2);
  } finally {
    await done();
  }
});

test('range forms: single key, [key, end), from key, all keys', async () => {
  const { store, done } = await openTempStore();
  try {
    for (const k of ['a', 'ab', 'b', 'c']) put(store, k, k);
    const read = (key: Buffer, end: Buffer | undefined) => {
      const r = store.range(key, end, {});
      assert.ok(!(r instanceof Promise));
      return keys(r.kvs);
    };
    assert.deepEqual(read(b('a'), undefined), ['a']);
    assert.deepEqual(read(b('a'), Buffer.alloc(0)), ['a']);
    assert.deepEqual(read(b('a'), b('b')), ['a', 'ab']);
    assert.deepEqual(read(b('ab'), Buffer.of(0)), ['ab', 'b', 'c']);
    assert.deepEqual(read(Buffer.of(0), Buffer.of(0)), ['a', 'ab', 'b', 'c']);
    assert.deepEqual(read(b('c'), b('a')), []);
  } finally {
    await done();
  }
});

test('limit, count, countOnly and keysOnly at the store level', async () => {
  const { store, done } = await openTempStore();
  try {
    for (const k of ['a', 'b', 'c']) put(store, k, 'v');
    const limited = store.range(b('a'), Buffer.of(0), { limit: 2 });
    assert.ok(!(limited instanceof Promise));
    assert.deepEqual(keys(limited.kvs), ['a', 'b']);
    assert.equal(limited.count, 3);
    const counted = store.range(b('a'), Buffer.of(0), { countOnly: true });
    assert.ok(!(counted instanceof Promise));
    assert.deepEqual([counted.kvs.length, counted.count, counted.rev], [0, 3, 4]);
    const keysOnly = store.range(b('a'), undefined, { keysOnly: true });
    assert.ok(!(keysOnly instanceof Promise));
    assert.equal(keysOnly.kvs[0].value.length, 0);
    assert.equal((store.range(b('a'), undefined) as any).kvs[0].value.toString(), 'v');
  } finally {
    await done();
  }
});

test('historical reads return each key as of the revision, before and after commit', async () => {
  const { store, done } = await openTempStore();
  try {
    put(store, 'a', 'a1'); // 2
    put(store, 'b', 'b1'); // 3
    put(store, 'a', 'a2'); // 4
    del(store, 'b'); // 5
    put(store, 'c', 'c1'); // 6
    const expected: Record<number, string[]> = {
      1: [],
      2: ['a=a1'],
      3: ['a=a1', 'b=b1'],
      4: ['a=a2', 'b=b1'],
      5: ['a=a2'],
      6: ['a=a2', 'c=c1'],
    };
    const check = async () => {
      for (const [rev, want] of Object.entries(expected)) {
        const r = await store.range(b('a'), Buffer.of(0), { revision: Number(rev) });
        assert.deepEqual(
          r.kvs.map((kv) => `${kv.key}=${kv.value}`),
          want,
          `at revision ${rev}`,
        );
        assert.equal(r.count, want.length);
        assert.equal(r.rev, 6);
      }
    };
    await check(); // served from the unflushed queue
    await store.commit(1);
    await check(); // served from LevelDB
    const old = await store.range(b('a'), undefined, { revision: 2 });
    assert.deepEqual([old.kvs[0].version, old.kvs[0].modRevision], [1n, 2n]);
    assert.throws(() => store.range(b('a'), undefined, { revision: 7 }), FutureRevError);
  } finally {
    await done();
  }
});

test('a transaction reads its own writes; historical reads inside it ignore them', async () => {
  const { store, done } = await openTempStore();
  try {
    put(store, 'a', '1'); // 2
    const txn = store.write();
    txn.put(b('a'), b('2'));
    const mine = txn.rangeInTxn(b('a'), undefined);
    assert.ok(!(mine instanceof Promise));
    assert.equal(mine.kvs[0].value.toString(), '2');
    assert.equal(mine.rev, 3);
    const before = await txn.rangeInTxn(b('a'), undefined, { revision: 2 });
    assert.equal(before.kvs[0].value.toString(), '1');
    txn.end();
  } finally {
    await done();
  }
});

test('compaction drops old revisions, keeps the newest version of each live key, and reports errors', async () => {
  const { store, done } = await openTempStore();
  try {
    put(store, 'a', 'a1'); // 2
    put(store, 'a', 'a2'); // 3
    put(store, 'b', 'b1'); // 4
    del(store, 'b'); // 5
    put(store, 'c', 'c1'); // 6
    assert.throws(() => store.compact(7), FutureRevError);
    store.compact(5);
    assert.equal(store.compactRevision, 5);
    assert.throws(() => store.compact(5), CompactedError);
    assert.throws(() => store.compact(4), CompactedError);
    assert.throws(() => store.range(b('a'), undefined, { revision: 4 }), CompactedError);
    // Reading exactly at the compaction point is still allowed.
    const at5 = await store.range(b('a'), Buffer.of(0), { revision: 5 });
    assert.deepEqual(values(at5.kvs), ['a2']);
    await store.commit(1);
    const again = await store.range(b('a'), Buffer.of(0), { revision: 5 });
    assert.deepEqual(values(again.kvs), ['a2']);
    await assert.rejects(store.eventsSince(4), CompactedError);
    const events = await store.eventsSince(5);
    assert.deepEqual(
      events.map((e) => `${e.kv?.key}@${e.kv?.modRevision}`),
      ['c@6'],
    );
  } finally {
    await done();
  }
});

test('live events are delivered synchronously with prevKv; eventsSince replays history', async () => {
  const { store, done } = await openTempStore();
  try {
    const seen: Array<{ events: Event[]; revision: number }> = [];
    const stop = store.onEvents((events, revision) => seen.push({ events, revision }));
    put(store, 'a', '1');
    const txn = store.write();
    txn.put(b('a'), b('2'));
    txn.put(b('b'), b('3'));
    txn.end();
    assert.equal(seen.length, 2);
    assert.equal(seen[1].revision, 3);
    assert.deepEqual(
      seen[1].events.map((e) => [e.type, e.kv?.key.toString(), e.prevKv?.value.toString()]),
      [
        [Event_EventType.PUT, 'a', '1'],
        [Event_EventType.PUT, 'b', undefined],
      ],
    );
    del(store, 'a', 'c');
    const dels = seen[2].events;
    assert.deepEqual(
      dels.map((e) => [e.type, e.kv?.key.toString(), e.kv?.modRevision, e.prevKv?.value.toString()]),
      [
        [Event_EventType.DELETE, 'a', 4n, '2'],
        [Event_EventType.DELETE, 'b', 4n, '3'],
      ],
    );
    stop();
    put(store, 'z', 'z');
    assert.equal(seen.length, 3);

    await store.commit(1);
    put(store, 'after', 'commit'); // 6, still unflushed
    const history = await store.eventsSince(3, 6);
    assert.deepEqual(
      history.map((e) => `${e.type}:${e.kv?.key}@${e.kv?.modRevision}`),
      ['0:a@3', '0:b@3', '1:a@4', '1:b@4', '0:z@5', '0:after@6'],
    );
    assert.deepEqual(
      (await store.eventsSince(4, 4)).map((e) => e.kv?.key.toString()),
      ['a', 'b'],
    );
  } finally {
    await done();
  }
});

test('restart rebuilds the index, revisions, compaction point, consistent index and hashes', async () => {
  const dir = tempDir();
  try {
    let store = await MvccStore.open(dir);
    put(store, 'a', '1'); // 2
    put(store, 'b', '1', 7n); // 3
    put(store, 'a', '2'); // 4
    del(store, 'b'); // 5
    put(store, 'c', '1', 7n); // 6
    store.compact(3);
    store.putMeta('lease', b('7'), b('lease-record'));
    await store.commit(42);
    del(store, 'c'); // 7: applied but never committed, as after a crash
    const hash = await store.hash();
    const hashKV = await store.hashKV(6);
    await store.close();

    store = await MvccStore.open(dir);
    assert.equal(store.consistentIndex, 42);
    assert.equal(store.currentRevision, 6);
    assert.equal(store.compactRevision, 3);
    assert.deepEqual(await store.hashKV(6), hashKV);
    assert.deepEqual(keys((store.range(b('a'), Buffer.of(0)) as any).kvs), ['a', 'c']);
    assert.deepEqual(values((await store.range(b('a'), Buffer.of(0), { revision: 4 })).kvs), ['2', '1']);
    assert.deepEqual(store.iterateMeta('lease'), [[b('7'), b('lease-record')]]);
    assert.deepEqual(store.keysWithLease(7n), [b('c')]);
    // Replaying the lost entry gives the same state as before the restart.
    del(store, 'c');
    await store.commit(43);
    assert.equal(await store.hash(), hash);
    assert.equal(put(store, 'd', '1'), 8);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('hash is stable across restart and changes with content', async () => {
  const dir = tempDir();
  try {
    let store = await MvccStore.open(dir);
    put(store, 'a', '1');
    put(store, 'b', '2');
    await store.commit(1);
    const h1 = await store.hash();
    await store.close();
    store = await MvccStore.open(dir);
    assert.equal(await store.hash(), h1);
    put(store, 'a', '3');
    assert.notEqual(await store.hash(), h1);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('hashKV matches real etcd 3.4 for the same history', async () => {
  // Values recorded from etcd 3.4.23: `put a 2`, `del a`, `endpoint hashkv`,
  // then `compact 3`, `endpoint hashkv`.
  const { store, done } = await openTempStore();
  try {
    put(store, 'a', '2');
    del(store, 'a');
    assert.deepEqual(await store.hashKV(0), { hash: 904665876, compactRevision: -1 });
    store.compact(3);
    assert.deepEqual(await store.hashKV(0), { hash: 1084519789, compactRevision: 3 });
    await assert.rejects(store.hashKV(3), CompactedError);
    await assert.rejects(store.hashKV(4), FutureRevError);
  } finally {
    await done();
  }
});

test('meta buckets are written with commits and served from memory', async () => {
  const dir = tempDir();
  try {
    let store = await MvccStore.open(dir);
    store.putMeta('auth', b('user/b'), b('2'));
    store.putMeta('auth', b('user/a'), b('1'));
    store.putMeta('members', b('1'), b('m'));
    store.deleteMeta('members', b('1'));
    assert.equal(store.getMeta('auth', b('user/a'))?.toString(), '1');
    assert.deepEqual(store.iterateMeta('auth').map(([k]) => k.toString()), ['user/a', 'user/b']);
    await store.commit(1);
    store.putMeta('auth', b('user/c'), b('3')); // not committed
    await store.close();
    store = await MvccStore.open(dir);
    assert.deepEqual(store.iterateMeta('auth').map(([k, v]) => `${k}=${v}`), ['user/a=1', 'user/b=2']);
    assert.deepEqual(store.iterateMeta('members'), []);
    assert.throws(() => store.putMeta('bad\0name', b('k'), b('v')));
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('keysWithLease follows puts, lease changes and deletes', async () => {
  const { store, done } = await openTempStore();
  try {
    put(store, 'a', '1', 5n);
    put(store, 'b', '1', 5n);
    put(store, 'c', '1', 6n);
    assert.deepEqual(store.keysWithLease(5n).map(String), ['a', 'b']);
    put(store, 'a', '2', 6n);
    del(store, 'b');
    assert.deepEqual(store.keysWithLease(5n), []);
    assert.deepEqual(store.keysWithLease(6n).map(String), ['a', 'c']);
  } finally {
    await done();
  }
});

test('snapshot stream restores an identical store', async () => {
  const source = await openTempStore();
  const target = await openTempStore();
  try {
    put(source.store, 'a', '1');
    put(source.store, 'b', '2', 3n);
    put(source.store, 'a', '3');
    source.store.putMeta('lease', b('3'), b('x'));
    await source.store.commit(9);
    put(target.store, 'stale', 'gone');
    await target.store.commit(1);

    const seen: number[] = [];
    target.store.onEvents((_, rev) => seen.push(rev));
    await target.store.restoreFrom(source.store.snapshotStream());
    assert.equal(target.store.consistentIndex, 9);
    assert.equal(target.store.currentRevision, 4);
    assert.equal(await target.store.hash(), await source.store.hash());
    assert.deepEqual(keys((target.store.range(b('a'), Buffer.of(0)) as any).kvs), ['a', 'b']);
    assert.deepEqual(values((await target.store.range(b('a'), undefined, { revision: 2 })).kvs), ['1']);
    assert.deepEqual(target.store.keysWithLease(3n), [b('b')]);
    put(target.store, 'c', '1');
    assert.deepEqual(seen, [5]);
  } finally {
    await source.done();
    await target.done();
  }
});

test('a corrupted snapshot is rejected and the old state is kept', async () => {
  const source = await openTempStore();
  const target = await openTempStore();
  try {
    put(source.store, 'a', '1');
    await source.store.commit(1);
    const chunks: Buffer[] = [];
    for await (const chunk of source.store.snapshotStream()) chunks.push(chunk as Buffer);
    const blob = Buffer.concat(chunks);
    blob[blob.length - 20] ^= 0xff;
    put(target.store, 'keep', 'me');
    await target.store.commit(5);
    await assert.rejects(target.store.restoreFrom([blob]));
    await assert.rejects(target.store.restoreFrom([blob.subarray(0, blob.length - 4)]));
    assert.equal(target.store.consistentIndex, 5);
    assert.deepEqual(keys((target.store.range(b('keep'), undefined) as any).kvs), ['keep']);
  } finally {
    await source.done();
    await target.done();
  }
});

test('dbSize, dbSizeInUse and defragment', async () => {
  const { store, done } = await openTempStore();
  try {
    for (let i = 0; i < 50; i++) put(store, `k${i % 5}`, 'x'.repeat(100));
    await store.commit(1);
    const inUse = store.dbSizeInUse();
    assert.ok(inUse > 50 * 100);
    store.compact(store.currentRevision);
    await store.commit(2);
    assert.ok(store.dbSizeInUse() < inUse / 5);
    await store.defragment();
    assert.ok(store.dbSize() > 0);
    assert.equal((store.range(b('k0'), undefined) as any).kvs[0].version, 10n);
  } finally {
    await done();
  }
});

test('only one write transaction may be open at a time', async () => {
  const { store, done } = await openTempStore();
  try {
    const txn = store.write();
    assert.throws(() => store.write());
    txn.end();
    assert.throws(() => txn.end());
    store.write().end();
  } finally {
    await done();
  }
});
