import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatchCreateRequest_FilterType, WatchResponse, type WatchCreateRequest } from '../../src/gen/etcdserverpb/rpc';
import { WatchableStore } from '../../src/mvcc/watchable-store';
import { INVALID_WATCH_ID, WatchStream, type WatchStreamOptions } from '../../src/mvcc/watch-stream';
import { FakeSource, waitFor } from './watch-fake-source';

function createReq(key: string, extra: Partial<WatchCreateRequest> = {}): WatchCreateRequest {
  return {
    key: Buffer.from(key),
    rangeEnd: Buffer.alloc(0),
    startRevision: 0n,
    progressNotify: false,
    filters: [],
    prevKv: false,
    watchId: 0n,
    fragment: false,
    ...extra,
  };
}

function setup(opts: Partial<WatchStreamOptions> = {}) {
  const src = new FakeSource();
  const store = new WatchableStore(src);
  const sent: WatchResponse[] = [];
  const stream = new WatchStream({
    store,
    send: (resp) => {
      sent.push(resp);
    },
    header: (revision) => ({ clusterId: 7n, memberId: 8n, revision: BigInt(revision), raftTerm: 9n }),
    progressIntervalMs: 0,
    ...opts,
  });
  return { src, store, stream, sent };
}

/** Settles pending pumps and history reads. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 10));

/** Waits (up to 5 s) for something the background catch-up delivers, which a loaded machine can delay. */
async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !done() && Date.now() < deadline; ) await flush();
}

/** Compact view of a response for assertions. */
function view(r: WatchResponse) {
  return {
    id: r.watchId,
    rev: r.header?.revision,
    ...(r.created ? { created: true } : {}),
    ...(r.canceled ? { canceled: true } : {}),
    ...(r.cancelReason !== '' ? { reason: r.cancelReason } : {}),
    ...(r.compactRevision !== 0n ? { compact: r.compactRevision } : {}),
    ...(r.fragment ? { fragment: true } : {}),
    events: r.events.map((ev) => `${ev.type === 1 ? '-' : ''}${ev.kv?.key}@${ev.kv?.modRevision}${ev.prevKv ? `<${ev.prevKv.value}` : ''}`),
  };
}

test('created responses allocate ids from 0 per stream and precede the watcher events', async () => {
  const { src, stream, sent } = setup();
  src.put('a', '1'); // 2
  stream.handle({ createRequest: createReq('a') });
  stream.handle({ createRequest: createReq('b') });
  stream.create(createReq('a', { startRevision: 2n }));
  src.put('a', '2'); // 3
  await until(() => sent.filter((r) => r.watchId === 2n).flatMap((r) => r.events).length >= 2);
  const views = sent.map(view);
  assert.deepEqual(views.slice(0, 4), [
    { id: 0n, rev: 2n, created: true, events: [] },
    { id: 1n, rev: 2n, created: true, events: [] },
    { id: 2n, rev: 2n, created: true, events: [] },
    { id: 0n, rev: 3n, events: ['a@3'] },
  ]);
  // Watcher 2 catches up from history: whether revision 3 comes in the same response as revision 2 depends on
  // when the catch-up ran, but it sees both, in order, once each, and only after its created response.
  assert.deepEqual(
    views.slice(4).flatMap((v) => (v.id === 2n ? v.events : ['unexpected'])),
    ['a@2', 'a@3'],
  );
  assert.deepEqual(sent[0].header, { clusterId: 7n, memberId: 8n, revision: 2n, raftTerm: 9n });
});

test('user-chosen ids are honoured, duplicates and empty ranges are refused with etcd reasons', async () => {
  const { stream, sent } = setup();
  stream.create(createReq('a', { watchId: 5n }));
  stream.create(createReq('a', { watchId: 5n }));
  stream.create(createReq('b', { rangeEnd: Buffer.from('a') }));
  stream.create(createReq('a', { rangeEnd: Buffer.from([0]) })); // from key: valid
  await flush();
  assert.deepEqual(sent.map(view), [
    { id: 5n, rev: 1n, created: true, events: [] },
    { id: -1n, rev: 1n, created: true, canceled: true, reason: 'mvcc: duplicate watch ID provided on the WatchStream', events: [] },
    { id: -1n, rev: 1n, created: true, canceled: true, reason: 'mvcc: watcher range is empty', events: [] },
    { id: 0n, rev: 1n, created: true, events: [] },
  ]);
  assert.equal(INVALID_WATCH_ID, -1n);
});

test('an empty key watches "\\0"; authorization failures become the cancel reason', async () => {
  const { src, stream, sent } = setup({
    authorize: (req) => {
      if (req.key.toString() === 'secret') throw new Error('etcdserver: permission denied');
    },
  });
  stream.create(createReq('secret'));
  stream.create(createReq('', { rangeEnd: Buffer.from([0]) }));
  src.put('x', '1');
  await flush();
  assert.deepEqual(sent.map(view), [
    { id: -1n, rev: 1n, created: true, canceled: true, reason: 'etcdserver: permission denied', events: [] },
    { id: 0n, rev: 1n, created: true, events: [] },
    { id: 0n, rev: 2n, events: ['x@2'] },
  ]);
});

test('cancel answers once and stops events; unknown ids are ignored', async () => {
  const { src, stream, sent } = setup();
  stream.create(createReq('a'));
  src.put('a', '1');
  stream.handle({ cancelRequest: { watchId: 0n } });
  stream.cancel(0n);
  stream.cancel(42n);
  src.put('a', '2');
  await flush();
  assert.deepEqual(sent.map(view), [
    { id: 0n, rev: 1n, created: true, events: [] },
    { id: 0n, rev: 2n, events: ['a@2'] },
    { id: 0n, rev: 2n, canceled: true, events: [] },
  ]);
});

test('prev_kv only for watchers that ask: from the live event or read at mod_revision - 1, never for creations', async () => {
  const { src, stream, sent } = setup();
  src.put('a', 'old'); // 2
  stream.create(createReq('a', { prevKv: true, startRevision: 2n })); // 0: history, needs reads
  stream.create(createReq('a', { prevKv: true })); // 1: live events
  stream.create(createReq('a')); // 2: no prev_kv
  await flush();
  src.put('a', 'new'); // 3
  src.txn([['a', null]]); // 4
  stream.create(createReq('a', { prevKv: true, startRevision: 3n })); // 3: history only
  await flush();
  // Order is guaranteed per watcher, not across watchers.
  const events = sent
    .filter((r) => r.events.length > 0)
    .map(view)
    .sort((x, y) => Number(x.id - y.id));
  assert.deepEqual(events, [
    { id: 0n, rev: 2n, events: ['a@2'] },
    { id: 0n, rev: 3n, events: ['a@3<old'] },
    { id: 0n, rev: 4n, events: ['-a@4<new'] },
    { id: 1n, rev: 3n, events: ['a@3<old'] },
    { id: 1n, rev: 4n, events: ['-a@4<new'] },
    { id: 2n, rev: 3n, events: ['a@3'] },
    { id: 2n, rev: 4n, events: ['-a@4'] },
    { id: 3n, rev: 4n, events: ['a@3<old', '-a@4<new'] },
  ]);
});

test('a compacted start revision cancels the watcher with compact_revision', async () => {
  const { src, stream, sent } = setup();
  for (let i = 0; i < 4; i++) src.put('a', `${i}`); // 2..5
  src.compactRevision = 4;
  stream.create(createReq('a', { startRevision: 2n }));
  await flush();
  assert.deepEqual(sent.map(view), [
    { id: 0n, rev: 5n, created: true, events: [] },
    { id: 0n, rev: 5n, canceled: true, compact: 4n, events: [] },
  ]);
  // The id is free for nothing else and cancelling it again is a no-op.
  stream.cancel(0n);
  await flush();
  assert.equal(sent.length, 2);
});

test('filters requested on the stream reach the store', async () => {
  const { src, stream, sent } = setup();
  stream.create(createReq('a', { filters: [WatchCreateRequest_FilterType.NODELETE] }));
  src.put('a', '1');
  src.txn([['a', null]]);
  await flush();
  assert.deepEqual(sent.slice(1).map(view), [{ id: 0n, rev: 2n, events: ['a@2'] }]);
});

test('big responses are fragmented under the byte limit for watchers that allow it', async () => {
  const maxResponseBytes = 300;
  const { src, stream, sent } = setup({ maxResponseBytes });
  stream.create(createReq('k', { rangeEnd: Buffer.from('l'), fragment: true }));
  stream.create(createReq('k', { rangeEnd: Buffer.from('l') }));
  const value = 'x'.repeat(100);
  src.txn(Array.from({ length: 7 }, (_, i): [string, string] => [`k${i}`, value]));
  await flush();
  const fragmented = sent.filter((r) => r.watchId === 0n && r.events.length > 0);
  const whole = sent.filter((r) => r.watchId === 1n && r.events.length > 0);
  assert.equal(whole.length, 1);
  assert.equal(whole[0].events.length, 7);
  assert.ok(fragmented.length > 1);
  assert.deepEqual(fragmented.map((r) => r.fragment), [...fragmented.slice(1).map(() => true), false]);
  assert.deepEqual(fragmented.flatMap((r) => r.events.map((ev) => ev.kv?.key.toString())), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
  for (const part of fragmented) assert.ok(WatchResponse.encode(part).finish().length < maxResponseBytes);
});

test('progress: a stream-wide request answers with the current revision; ticks reach quiet caught-up watchers', async () => {
  const { src, stream, sent } = setup();
  stream.create(createReq('a', { progressNotify: true }));
  stream.create(createReq('b', { progressNotify: true }));
  stream.create(createReq('c'));
  src.put('x', '1'); // 2
  stream.handle({ progressRequest: {} });
  await flush();
  assert.deepEqual(view(sent[3]), { id: -1n, rev: 2n, events: [] });

  sent.length = 0;
  src.put('a', '1'); // 3: watcher 0 just had events, so its next progress is skipped
  stream.progressTick();
  await flush();
  assert.deepEqual(sent.map(view), [
    { id: 0n, rev: 3n, events: ['a@3'] },
    { id: 1n, rev: 3n, events: [] },
  ]);
  sent.length = 0;
  stream.progressTick();
  await flush();
  assert.deepEqual(sent.map(view), [
    { id: 0n, rev: 3n, events: [] },
    { id: 1n, rev: 3n, events: [] },
  ]);
});

test('a slow transport pushes watchers back to history; everything still arrives once and in order', async () => {
  let release: (() => void) | undefined;
  const sent: WatchResponse[] = [];
  const { src, stream } = setup({
    bufferSize: 2,
    send: (resp) => {
      sent.push(resp);
      return new Promise<void>((resolve) => (release = resolve));
    },
  });
  stream.create(createReq('k'));
  for (let i = 0; i < 20; i++) src.put('k', `${i}`); // 2..21, far more than the buffer
  src.put('other', 'x'); // the writes themselves never waited
  assert.equal(src.currentRevision, 22);
  await waitFor(() => sent.length > 0);
  for (let rounds = 0; rounds < 200 && sent.flatMap((r) => r.events).length < 20; rounds++) {
    release?.();
    await flush();
  }
  const revisions = sent.flatMap((r) => r.events.map((ev) => Number(ev.kv?.modRevision)));
  assert.deepEqual(revisions, Array.from({ length: 20 }, (_, i) => i + 2));
  assert.ok(src.historyReads > 0, 'the refused revisions were re-read from history');
  stream.close();
});

test('a failing send closes the stream and reports the error', async () => {
  let reported: unknown;
  const { src, stream, store } = setup({
    send: () => {
      throw new Error('stream broken');
    },
    onError: (err) => (reported = err),
  });
  stream.create(createReq('a'));
  await flush();
  assert.equal((reported as Error).message, 'stream broken');
  src.put('a', '1');
  assert.equal(store.unsyncedCount, 0);
});
