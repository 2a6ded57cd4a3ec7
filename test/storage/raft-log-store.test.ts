import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { RaftLogStore, StorageCorruptedError } from '../../src/storage';
import { ENTRY_RANGE, entryKey, entryKeyIndex } from '../../src/storage/codec';
import { SnapshotOutOfDateError } from '../../src/raft/errors';
import { EntryType, type Entry, type Snapshot } from '../../src/raft/types';
import { MemoryStorage } from '../../src/raft/memory-storage';
import { RawNode } from '../../src/raft/raw-node';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tetcd-storage-'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function entry(index: number, term: number, text = `e${index}t${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(text) };
}

function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

function snapshot(index: number, term: number, data: Uint8Array): Snapshot {
  return { metadata: { index, term, confState: { voters: [1n, 2n, 3n], learners: [4n] } }, data };
}

/** Opens the raw LevelDB (store closed) to inspect or damage it the way a test needs. */
async function withRawDb(fn: (db: ClassicLevel<Buffer, Buffer>) => Promise<void>): Promise<void> {
  const db = new ClassicLevel<Buffer, Buffer>(path.join(dir, 'log'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

async function storedEntryIndexes(): Promise<number[]> {
  const indexes: number[] = [];
  await withRawDb(async (db) => {
    for await (const key of db.keys(ENTRY_RANGE)) indexes.push(entryKeyIndex(key));
  });
  return indexes;
}

async function reopen(store: RaftLogStore): Promise<RaftLogStore> {
  await store.close();
  return RaftLogStore.open(dir);
}

test('a fresh store loads an empty log', async () => {
  const store = await RaftLogStore.open(dir);
  assert.deepEqual(await store.load(), { hardState: { term: 0, vote: 0n, commit: 0 }, entries: [] });
  await store.close();
});

test('hard state and entries survive a restart', async () => {
  let store = await RaftLogStore.open(dir);
  const conf: Entry = { index: 3, term: 2 ** 40, type: EntryType.ConfChange, data: new Uint8Array([1, 2, 3]) };
  const written = [entry(1, 1), { index: 2, term: 1, type: EntryType.Normal, data: new Uint8Array() }, conf];
  await store.save({ term: 2 ** 40, vote: 0xffff_ffff_ffff_fffen, commit: 2 }, written);
  store = await reopen(store);
  const loaded = await store.load();
  assert.deepEqual(loaded.hardState, { term: 2 ** 40, vote: 0xffff_ffff_ffff_fffen, commit: 2 });
  assert.deepEqual(loaded.entries, written);
  assert.equal(loaded.snapshot, undefined);
  await store.close();
});

test('each save is one synced batch however many entries it holds', async () => {
  const store = await RaftLogStore.open(dir);
  await store.save({ term: 1, vote: 1n, commit: 0 }, entries(1, 1000, 1));
  assert.equal(store.syncCount, 1);
  await store.save({ term: 1, vote: 1n, commit: 1000 }, []);
  assert.equal(store.syncCount, 2);
  await store.save(undefined, entries(1001, 1001, 1));
  assert.equal(store.syncCount, 3);
  await store.save(undefined, []);
  assert.equal(store.syncCount, 3, 'nothing to write means no fsync');
  assert.equal((await store.load()).entries.length, 1001);
  await store.close();
});

test('new entries replace the stored suffix from their first index on', async () => {
  let store = await RaftLogStore.open(dir);
  await store.save({ term: 1, vote: 1n, commit: 2 }, entries(1, 6, 1));
  await store.save({ term: 2, vote: 2n, commit: 2 }, entries(3, 4, 2));
  const expected = [...entries(1, 2, 1), ...entries(3, 4, 2)];
  assert.deepEqual((await store.load()).entries, expected);
  store = await reopen(store);
  assert.deepEqual((await store.load()).entries, expected);
  await store.close();
  assert.deepEqual(await storedEntryIndexes(), [1, 2, 3, 4], 'entries 5 and 6 are deleted, not merely hidden');
});

test('an append that would leave a hole is refused', async () => {
  const store = await RaftLogStore.open(dir);
  await store.save(undefined, entries(1, 2, 1));
  await assert.rejects(store.save(undefined, entries(4, 4, 1)), /gap/);
  assert.deepEqual((await store.load()).entries, entries(1, 2, 1));
  await store.close();
});

test('an application snapshot keeps the log; compaction then deletes what it covers', async () => {
  let store = await RaftLogStore.open(dir);
  await store.save({ term: 1, vote: 1n, commit: 10 }, entries(1, 10, 1));
  await assert.rejects(store.compact(3), /snapshot only covers 0/);
  const snap = snapshot(6, 1, new TextEncoder().encode('state at 6'));
  await store.saveSnapshot(snap);
  assert.deepEqual((await store.load()).entries, entries(7, 10, 1), 'entries the snapshot covers are not loaded');

  await assert.rejects(store.compact(7), /snapshot only covers 6/);
  await store.compact(6);
  store = await reopen(store);
  const loaded = await store.load();
  assert.deepEqual(loaded.snapshot, snap);
  assert.deepEqual(loaded.entries, entries(7, 10, 1));
  await store.close();
  assert.deepEqual(await storedEntryIndexes(), [7, 8, 9, 10]);
});

test('a snapshot from the leader replaces the whole log and round-trips large data', async () => {
  let store = await RaftLogStore.open(dir);
  await store.save({ term: 1, vote: 1n, commit: 3 }, entries(1, 5, 1));
  const data = new Uint8Array(3 * 1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
  const snap = snapshot(20, 3, data);
  await store.save({ term: 3, vote: 0n, commit: 20 }, [], snap);
  await store.save({ term: 3, vote: 0n, commit: 22 }, entries(21, 22, 3));

  store = await reopen(store);
  const loaded = await store.load();
  assert.deepEqual(loaded.hardState, { term: 3, vote: 0n, commit: 22 });
  assert.deepEqual(loaded.snapshot?.metadata, snap.metadata);
  assert.ok(Buffer.from(data).equals(loaded.snapshot?.data ?? new Uint8Array()));
  assert.deepEqual(loaded.entries, entries(21, 22, 3));
  await assert.rejects(store.save(undefined, [], snapshot(20, 3, data)), SnapshotOutOfDateError);

  await store.saveSnapshot(snapshot(22, 3, new Uint8Array([9])));
  // The previous snapshot's file stays: etcd's default --max-snapshots retains five.
  assert.deepEqual((await fs.readdir(path.join(dir, 'snap'))).sort(), [20, 22].map((i) => `${'3'.padStart(16, '0')}-${i.toString(16).padStart(16, '0')}.snap`));
  await store.close();
  assert.deepEqual(await storedEntryIndexes(), [21, 22]);
});

test('after a torn write, entries past the first missing index are dropped for good', async () => {
  let store = await RaftLogStore.open(dir);
  await store.save({ term: 1, vote: 1n, commit: 2 }, entries(1, 5, 1));
  await store.close();
  await withRawDb((db) => db.del(entryKey(3)));

  store = await RaftLogStore.open(dir);
  assert.deepEqual((await store.load()).entries, entries(1, 2, 1));
  // Refilling the hole must not bring the stale entries 4 and 5 back.
  await store.save(undefined, [entry(3, 2)]);
  store = await reopen(store);
  assert.deepEqual((await store.load()).entries, [...entries(1, 2, 1), entry(3, 2)]);
  await store.close();
});

test('a commit index beyond the recovered log is reported as corruption', async () => {
  const store = await RaftLogStore.open(dir);
  await store.save({ term: 1, vote: 1n, commit: 5 }, entries(1, 5, 1));
  await store.close();
  await withRawDb((db) => db.del(entryKey(4)));
  await assert.rejects(RaftLogStore.open(dir), StorageCorruptedError);
});

test('a snapshot file orphaned by a crash is removed; a damaged one is detected', async () => {
  let store = await RaftLogStore.open(dir);
  await store.save({ term: 1, vote: 1n, commit: 4 }, entries(1, 4, 1));
  await store.saveSnapshot(snapshot(4, 1, new Uint8Array([1, 2, 3, 4])));
  await store.close();
  const snapDir = path.join(dir, 'snap');
  const [current] = await fs.readdir(snapDir);
  await fs.writeFile(path.join(snapDir, 'ffff-ffff.snap.tmp'), 'half written');

  store = await RaftLogStore.open(dir);
  assert.deepEqual(await fs.readdir(snapDir), [current]);
  await store.close();

  await fs.writeFile(path.join(snapDir, current), new Uint8Array([1, 2, 3, 5]));
  store = await RaftLogStore.open(dir);
  await assert.rejects(store.load(), StorageCorruptedError);
  await store.close();
});

test('a RawNode persisted Ready by Ready restarts from the store with its log and hard state', async () => {
  let store = await RaftLogStore.open(dir);
  const storage = new MemoryStorage();
  const cfg = { id: 1n, electionTick: 10, heartbeatTick: 1 };
  // A voter set of one, so the node commits on its own.
  storage.applySnapshot({ metadata: { index: 2, term: 1, confState: { voters: [1n], learners: [] } }, data: new Uint8Array() });
  storage.setHardState({ term: 1, vote: 0n, commit: 2 });
  await store.save(storage.initialState().hardState, [], storage.snapshot());
  const node = new RawNode({ ...cfg, applied: 2, storage });
  node.campaign();
  for (const text of ['a', 'b', 'c']) node.propose(new TextEncoder().encode(text));
  while (node.hasReady()) {
    const rd = node.ready();
    const before = store.syncCount;
    await store.save(rd.hardState, rd.entries, rd.snapshot);
    if (rd.hardState || rd.entries.length > 0) assert.equal(store.syncCount, before + 1, 'one fsync per Ready');
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    node.advance(rd);
  }
  const { hardState } = storage.initialState();
  const last = storage.lastIndex();
  assert.equal(last, 6, "the leader's empty entry and three proposals follow the snapshot at 2");
  assert.deepEqual(hardState, { term: 2, vote: 1n, commit: 6 });

  store = await reopen(store);
  const loaded = await store.load();
  const restored = new MemoryStorage();
  if (loaded.snapshot) restored.applySnapshot(loaded.snapshot);
  restored.setHardState(loaded.hardState);
  restored.append(loaded.entries);
  assert.deepEqual(restored.initialState(), storage.initialState());
  assert.equal(restored.lastIndex(), last);
  assert.deepEqual(restored.entries(3, last + 1, Infinity), storage.entries(3, last + 1, Infinity));
  const again = new RawNode({ ...cfg, applied: 2, storage: restored });
  assert.equal(again.status().hardState.term, hardState.term);
  await store.close();
});

test('--max-snapshots: the newest snapshot files are retained, older ones and crash leftovers removed', async () => {
  const snapFiles = async (): Promise<number[]> =>
    (await fs.readdir(path.join(dir, 'snap')))
      .filter((n) => n.endsWith('.snap'))
      .map((n) => parseInt(n.slice(17, 33), 16))
      .sort((a, b) => a - b);
  let store = await RaftLogStore.open(dir, { maxSnapshots: 2 });
  await store.save({ term: 1, vote: 1n, commit: 10 }, entries(1, 10, 1));
  for (const i of [3, 5, 8]) await store.saveSnapshot(snapshot(i, 1, new TextEncoder().encode(`state at ${i}`)));
  assert.deepEqual(await snapFiles(), [5, 8]);
  // A file newer than the one the metadata names is what a crash between writing it and the metadata leaves.
  await fs.writeFile(path.join(dir, 'snap', `${'1'.padStart(16, '0')}-${'9'.padStart(16, '0')}.snap`), 'orphan');
  await store.close();
  store = await RaftLogStore.open(dir, { maxSnapshots: 0 });
  assert.deepEqual(await snapFiles(), [5, 8], '0 keeps every older snapshot, but not the orphan');
  assert.equal((await store.load()).snapshot?.metadata.index, 8);
  await store.close();
});
