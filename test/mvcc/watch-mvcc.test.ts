// The watchable store and a watch stream over the real MvccStore (LevelDB in a temp dir).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WatchResponse } from '../../src/gen/etcdserverpb/rpc';
import { MvccStore } from '../../src/mvcc/store';
import { WatchableStore } from '../../src/mvcc/watchable-store';
import { WatchStream } from '../../src/mvcc/watch-stream';
import { waitFor } from './watch-fake-source';

function put(store: MvccStore, key: string, value: string): number {
  const txn = store.write();
  txn.put(Buffer.from(key), Buffer.from(value));
  return txn.end().revision;
}

function createReq(key: string, startRevision: bigint, prevKv = false) {
  return {
    key: Buffer.from(key),
    rangeEnd: Buffer.alloc(0),
    startRevision,
    progressNotify: false,
    filters: [],
    prevKv,
    watchId: 0n,
    fragment: false,
  };
}

test('watchers over MvccStore: history (flushed or not) then live, prev_kv from history, compaction', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-watch-'));
  const store = await MvccStore.open(dir);
  const watchable = new WatchableStore(store);
  const sent: WatchResponse[] = [];
  const stream = new WatchStream({
    store: watchable,
    send: (resp) => {
      sent.push(resp);
    },
    header: (revision) => ({ clusterId: 1n, memberId: 2n, revision: BigInt(revision), raftTerm: 3n }),
    progressIntervalMs: 0,
  });
  try {
    put(store, 'k', 'a'); // 2
    put(store, 'k', 'b'); // 3
    await store.commit(1);
    put(store, 'k', 'c'); // 4, not yet on disk
    stream.create(createReq('k', 3n, true));
    await waitFor(() => watchable.unsyncedCount === 0);
    put(store, 'k', 'd'); // 5, live
    await waitFor(() => sent.filter((r) => r.events.length > 0).length === 2);
    const events = sent.flatMap((r) => r.events.map((ev) => `${ev.kv?.value}@${ev.kv?.modRevision}<${ev.prevKv?.value}`));
    assert.deepEqual(events, ['b@3<a', 'c@4<b', 'd@5<c']);

    store.compact(4);
    await store.commit(2);
    sent.length = 0;
    stream.create(createReq('k', 2n));
    await waitFor(() => sent.length === 2);
    assert.equal(sent[1].canceled, true);
    assert.equal(sent[1].compactRevision, 4n);
  } finally {
    stream.close();
    watchable.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
