import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event_EventType } from '../../src/gen/mvccpb/kv';
import { WatchCreateRequest_FilterType } from '../../src/gen/etcdserverpb/rpc';
import { MAX_REVISIONS_PER_SYNC, WatchableStore, type WatcherResponse } from '../../src/mvcc/watchable-store';
import { FakeSource, waitFor } from './watch-fake-source';

const b = (s: string) => Buffer.from(s);

/** A consumer that records responses and can be told to refuse them. */
function consumer() {
  const got: WatcherResponse[] = [];
  const state = { accept: true, got };
  const sink = (resp: WatcherResponse) => {
    if (!state.accept) return false;
    got.push(resp);
    return true;
  };
  return { state, sink, got };
}

/** "key@rev" for every event, in delivery order. */
function flat(got: WatcherResponse[]): string[] {
  return got.flatMap((r) => r.events.map((ev) => `${ev.type === Event_EventType.DELETE ? '-' : ''}${ev.kv?.key.toString()}@${ev.kv?.modRevision}`));
}

test('synced watchers get each new revision once, whole, for a single key, a range and a from-key range', () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  const one = consumer();
  const range = consumer();
  const fromKey = consumer();
  store.watch(b('a'), undefined, 0, {}, one.sink);
  store.watch(b('a'), b('c'), 0, {}, range.sink);
  store.watch(b('b'), Buffer.from([0]), 0, {}, fromKey.sink);
  src.txn([['a', '1'], ['b', '1'], ['z', '1']]);
  src.put('c', '2');
  src.txn([['a', null]]);
  assert.deepEqual(flat(one.got), ['a@2', '-a@4']);
  assert.deepEqual(flat(range.got), ['a@2', 'b@2', '-a@4']);
  assert.deepEqual(flat(fromKey.got), ['b@2', 'z@2', 'c@3']);
  assert.deepEqual(range.got.map((r) => r.revision), [2, 4]);
  assert.equal(range.got[0].events.length, 2, 'events of one revision travel together');
  assert.equal(src.historyReads, 0);
});

test('a watcher starting in the past catches up from history, then continues live without gaps or duplicates', async () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  for (let i = 0; i < 5; i++) src.put('k', `v${i}`); // revisions 2..6
  src.holdHistory();
  const c = consumer();
  store.watch(b('k'), undefined, 3, {}, c.sink);
  await waitFor(() => src.historyReads === 1);
  src.put('k', 'during'); // revision 7, written while the history read is in flight
  src.releaseHistory();
  await waitFor(() => store.unsyncedCount === 0);
  src.put('k', 'after'); // revision 8, live
  assert.deepEqual(flat(c.got), ['k@3', 'k@4', 'k@5', 'k@6', 'k@7', 'k@8']);
  assert.deepEqual(c.got.map((r) => r.revision), [6, 7, 8]);
});

test('responses never come from inside watch() itself', () => {
  const src = new FakeSource();
  src.put('k', 'v');
  const store = new WatchableStore(src);
  const c = consumer();
  store.watch(b('k'), undefined, 1, {}, c.sink);
  assert.equal(c.got.length, 0);
  store.close();
});

test('a start revision below the compaction ends the watcher with one compaction response', async () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  for (let i = 0; i < 5; i++) src.put('k', `v${i}`); // 2..6
  src.compactRevision = 4;
  const old = consumer();
  const atCompaction = consumer();
  store.watch(b('k'), undefined, 3, {}, old.sink);
  store.watch(b('k'), undefined, 4, {}, atCompaction.sink);
  await waitFor(() => store.unsyncedCount === 0);
  assert.deepEqual(old.got, [{ events: [], revision: 6, compactRevision: 4 }]);
  // etcd keeps the compaction revision itself readable.
  assert.deepEqual(flat(atCompaction.got), ['k@4', 'k@5', 'k@6']);
  src.put('k', 'again');
  assert.equal(old.got.length, 1);
  assert.deepEqual(flat(atCompaction.got).at(-1), 'k@7');
});

test('a compaction that lands while a history read is in flight ends the watcher', async () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  for (let i = 0; i < 3; i++) src.put('k', `v${i}`); // 2..4
  const c = consumer();
  src.holdHistory();
  store.watch(b('k'), undefined, 2, {}, c.sink);
  await waitFor(() => src.historyReads === 1);
  src.put('k', 'v'); // 5
  src.put('k', 'v'); // 6
  src.compactRevision = 6;
  src.releaseHistory(); // the read now fails: its start revision is gone
  await waitFor(() => store.unsyncedCount === 0);
  assert.deepEqual(c.got, [{ events: [], revision: 6, compactRevision: 6 }]);
});

test('a consumer that refuses never blocks writes or other watchers, and later receives everything in order', async () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  const slow = consumer();
  const fast = consumer();
  store.watch(b('k'), undefined, 0, {}, slow.sink);
  store.watch(b('k'), undefined, 0, {}, fast.sink);
  src.put('k', '1'); // 2
  slow.state.accept = false;
  src.txn([['k', '2']]); // 3: refused
  src.put('k', '3'); // 4
  assert.deepEqual(flat(fast.got), ['k@2', 'k@3', 'k@4']);
  assert.deepEqual(flat(slow.got), ['k@2']);
  assert.equal(store.unsyncedCount, 1);

  slow.state.accept = true;
  store.wake();
  await waitFor(() => store.unsyncedCount === 0);
  src.put('k', '4'); // 5, live again
  assert.deepEqual(flat(slow.got), ['k@2', 'k@3', 'k@4', 'k@5']);
  assert.deepEqual(flat(fast.got), ['k@2', 'k@3', 'k@4', 'k@5']);
});

test('a stalled catching-up watcher does not hold back another one', async () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  for (let i = 0; i < 3; i++) src.put('k', `v${i}`); // 2..4
  const stalled = consumer();
  stalled.state.accept = false;
  const other = consumer();
  store.watch(b('k'), undefined, 2, {}, stalled.sink);
  store.watch(b('k'), undefined, 3, {}, other.sink);
  await waitFor(() => store.unsyncedCount === 1);
  assert.deepEqual(flat(other.got), ['k@3', 'k@4']);
  stalled.state.accept = true;
  await waitFor(() => store.unsyncedCount === 0); // the periodic retry picks it up
  assert.deepEqual(flat(stalled.got), ['k@2', 'k@3', 'k@4']);
  store.close();
});

test('catch-up sends at most MAX_REVISIONS_PER_SYNC revisions per response', async () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  const total = MAX_REVISIONS_PER_SYNC + 200;
  for (let i = 0; i < total; i++) src.put('k', 'v'); // 2..total+1
  const c = consumer();
  store.watch(b('k'), undefined, 2, {}, c.sink);
  await waitFor(() => store.unsyncedCount === 0);
  assert.deepEqual(c.got.map((r) => r.events.length), [MAX_REVISIONS_PER_SYNC, 200]);
  assert.equal(c.got[0].revision, MAX_REVISIONS_PER_SYNC + 1);
  assert.equal(c.got[1].revision, total + 1);
});

test('filters drop puts or deletes; a batch filtered to nothing sends nothing', async () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  const noPut = consumer();
  const noDelete = consumer();
  store.watch(b('k'), undefined, 0, { filters: [WatchCreateRequest_FilterType.NOPUT] }, noPut.sink);
  store.watch(b('k'), undefined, 0, { filters: [WatchCreateRequest_FilterType.NODELETE] }, noDelete.sink);
  src.put('k', '1');
  src.txn([['k', null]]);
  assert.deepEqual(flat(noPut.got), ['-k@3']);
  assert.deepEqual(flat(noDelete.got), ['k@2']);
  assert.equal(noPut.got.length, 1);
});

test('progress is reported only to caught-up watchers; cancel stops delivery', async () => {
  const src = new FakeSource();
  src.put('k', '1');
  const store = new WatchableStore(src);
  const live = consumer();
  const behind = consumer();
  const liveHandle = store.watch(b('k'), undefined, 0, {}, live.sink);
  src.holdHistory();
  const behindHandle = store.watch(b('k'), undefined, 2, {}, behind.sink);
  liveHandle.requestProgress();
  behindHandle.requestProgress();
  assert.deepEqual(live.got, [{ events: [], revision: 2, compactRevision: 0 }]);
  assert.deepEqual(behind.got, []);
  src.releaseHistory();
  await waitFor(() => store.unsyncedCount === 0);
  liveHandle.cancel();
  behindHandle.cancel();
  src.put('k', '2');
  assert.equal(live.got.length, 1);
  assert.deepEqual(flat(behind.got), ['k@2']);
});

test('restore makes watchers re-read from the first revision they have not seen', async () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  const c = consumer();
  store.watch(b('k'), undefined, 0, {}, c.sink);
  src.put('k', '1'); // 2
  // A snapshot brought in revisions 3..4 without live notifications.
  const replaced = new FakeSource();
  replaced.put('k', '1');
  replaced.put('k', '2');
  replaced.put('k', '3');
  store.restore(replaced);
  await waitFor(() => store.unsyncedCount === 0);
  assert.deepEqual(flat(c.got), ['k@2', 'k@3', 'k@4']);
  src.put('k', 'old store'); // no longer observed
  replaced.put('k', '4');
  assert.deepEqual(flat(c.got), ['k@2', 'k@3', 'k@4', 'k@5']);
});

test('restore does not compact away an idle watcher that was up to date', async () => {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  const idle = consumer();
  store.watch(b('quiet'), undefined, 0, {}, idle.sink);
  for (let i = 0; i < 10; i++) src.put('busy', `${i}`); // 2..11
  src.compactRevision = 10;
  store.restore();
  await waitFor(() => store.unsyncedCount === 0);
  src.put('quiet', 'now'); // 12
  assert.deepEqual(flat(idle.got), ['quiet@12']);
});
