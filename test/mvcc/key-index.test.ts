import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyEntry, KeyIndex, addRevision, addTombstone } from '../../src/mvcc/key-index';
import { toKeyRange } from '../../src/mvcc/key-range';
import { MvccStore, type RangeResult } from '../../src/mvcc/store';
import { b, del, put, removeDir, tempDir } from './helpers';

const ALL = toKeyRange(Buffer.alloc(0), Buffer.from([0]));

function keysOf(entries: KeyEntry[]): string[] {
  return entries.map((e) => e.key.toString('latin1'));
}

// Every entry a range scan sees is the one an exact lookup returns, and
// nothing else is found by exact lookup among `probes`.
function assertInSync(index: KeyIndex, probes: string[]): void {
  const scanned = index.inRange(ALL);
  for (const entry of scanned) assert.equal(index.find(entry.key), entry, entry.key.toString('latin1'));
  const present = new Set(keysOf(scanned));
  for (const p of probes) assert.equal(index.find(Buffer.from(p, 'latin1')) !== undefined, present.has(p), p);
}

test('exact lookups and range scans agree on inserted keys, including binary keys sharing prefixes', () => {
  const index = new KeyIndex();
  const keys = ['b', 'a', 'ab', 'a\0', '\xff\xfe', '\x80', 'a\xff', ''];
  for (const k of keys) index.getOrCreate(Buffer.from(k, 'latin1'));
  assert.deepEqual(keysOf(index.inRange(ALL)), ['', 'a', 'a\0', 'ab', 'a\xff', 'b', '\x80', '\xff\xfe']);
  assertInSync(index, [...keys, 'c', 'a\x01', '\xff']);
  assert.deepEqual(keysOf(index.inRange(toKeyRange(b('a'), b('b')))), ['a', 'a\0', 'ab', 'a\xff']);
  assert.deepEqual(keysOf(index.inRange(toKeyRange(b('ab'), undefined))), ['ab']);
  assert.deepEqual(index.inRange(toKeyRange(b('zz'), undefined)), []);
  assert.deepEqual(keysOf(index.inRange(toKeyRange(b('a\0'), b('a\xff')))), ['a\0', 'ab']);
  assert.deepEqual(keysOf(index.inRange(toKeyRange(Buffer.from('a\xff', 'latin1'), Buffer.from('\xff\xff', 'latin1')))), ['a\xff', 'b', '\x80', '\xff\xfe']);
  assert.deepEqual(keysOf(index.inRange(toKeyRange(b('b'), Buffer.from([0])))), ['b', '\x80', '\xff\xfe']);
  assert.deepEqual(index.inRange(toKeyRange(b('b'), b('a'))), [], 'an end before the start selects nothing');
  assert.deepEqual(index.inRange(toKeyRange(b('b'), b('b'))), [], 'an end equal to the start selects nothing');
});

test('getOrCreate returns the existing entry and copies the key of a new one', () => {
  const index = new KeyIndex();
  const key = b('k');
  const entry = index.getOrCreate(key);
  key[0] = 0x78;
  assert.equal(index.getOrCreate(b('k')), entry);
  assert.equal(index.find(b('x')), undefined);
  assert.equal(index.inRange(ALL).length, 1);
});

test('compaction removes dropped keys from exact lookups too, and a re-created key is scanned once', () => {
  const index = new KeyIndex();
  const gone = index.getOrCreate(b('gone'));
  addRevision(gone, { main: 2, sub: 0, size: 1 });
  addTombstone(gone, { main: 3, sub: 0, size: 1 });
  const kept = index.getOrCreate(b('kept'));
  addRevision(kept, { main: 2, sub: 1, size: 1 });

  index.compact(2);
  assertInSync(index, ['gone', 'kept']);
  assert.equal(index.find(b('gone')), gone, 'deleted after the compaction point: still reachable');

  index.compact(3);
  assertInSync(index, ['gone', 'kept']);
  assert.equal(index.find(b('gone')), undefined);
  const again = index.getOrCreate(b('gone'));
  assert.notEqual(again, gone);
  assert.deepEqual(keysOf(index.inRange(ALL)), ['gone', 'kept']);
  assert.equal(index.inRange(ALL)[0], again);
});

test('load replaces the exact-key map along with the sorted entries', () => {
  const index = new KeyIndex();
  index.getOrCreate(b('old'));
  const fresh: KeyEntry = { key: b('new'), generations: [[]], latest: undefined, latestRev: undefined };
  index.load([fresh]);
  assert.equal(index.find(b('old')), undefined);
  assert.equal(index.find(b('new')), fresh);
  assertInSync(index, ['old', 'new']);
});

test('the store finds keys by exact lookup after deletes, compaction and a restart', async () => {
  const dir = tempDir();
  let store = await MvccStore.open(dir);
  try {
    put(store, 'a', '1');
    put(store, 'b', '2');
    put(store, 'c', '3');
    del(store, 'b');
    store.compact(store.currentRevision);
    put(store, 'b', '4');
    await store.commit(1);
    await store.close();
    store = await MvccStore.open(dir);
    const values = (k: string): string[] => now(store.range(b(k), undefined)).kvs.map((kv) => kv.value.toString());
    assert.deepEqual(values('a'), ['1']);
    assert.deepEqual(values('b'), ['4']);
    assert.deepEqual(values('c'), ['3']);
    assert.deepEqual(values('d'), []);
    del(store, 'a');
    assert.deepEqual(values('a'), []);
    put(store, 'd', '5');
    assert.deepEqual(values('d'), ['5']);
    assert.deepEqual(now(store.range(b('a'), b('z'))).kvs.map((kv) => kv.key.toString()), ['b', 'c', 'd']);
  } finally {
    await store.close();
    removeDir(dir);
  }
});

function now(result: RangeResult | Promise<RangeResult>): RangeResult {
  assert.ok(!(result instanceof Promise), 'a read of the current revision is synchronous');
  return result;
}
