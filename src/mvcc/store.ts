import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { ClassicLevel } from 'classic-level';
import { Event, Event_EventType, KeyValue } from '../gen/mvccpb/kv';
import { Crc32c } from './crc32c';
import { CompactedError, FutureRevError } from './errors';
import {
  KeyEntry,
  KeyIndex,
  StoredRevision,
  addRevision,
  addTombstone,
  isLive,
  revisionAt,
  revisionKey,
} from './key-index';
import { encodeKeyValue } from './keyvalue-record';
import { KeyRange, toKeyRange } from './key-range';
import { Revision, decodeRevision, revisionLength, writeRevision } from './revision';
import { SnapshotDecoder, encodeHeader, encodeRecord, encodeTrailer } from './snapshot-format';

export interface RangeOptions {
  // <= 0 or absent: the newest revision.
  revision?: number;
  // <= 0 or absent: no limit. `count` still reports every match.
  limit?: number;
  countOnly?: boolean;
  keysOnly?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  count: number;
  // The store revision the read was served at (etcd's header revision).
  rev: number;
}

export type EventListener = (events: Event[], revision: number) => void;

// LevelDB key layout, one prefix byte per kind so the kinds never interleave:
//   'b' bucket \0 key    records other modules keep next to the data
//   'k' revision          one mvccpb.KeyValue per change (see revision.ts)
//   'm' name              the store's own bookkeeping
const BUCKET_PREFIX = 0x62;
const REVISION_PREFIX = 0x6b;
const META_PREFIX = 0x6d;
const CONSISTENT_INDEX_KEY = Buffer.from('mconsistent_index');
const COMPACT_REVISION_KEY = Buffer.from('mcompact_revision');

// etcd starts an empty store at revision 1 and has never compacted (-1).
const INITIAL_REVISION = 1;
const NEVER_COMPACTED = -1;
const SNAPSHOT_CHUNK_BYTES = 64 * 1024;

type Db = ClassicLevel<Buffer, Buffer>;
type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

function revisionDbKey(rev: Revision, tombstone: boolean): Buffer {
  const key = Buffer.allocUnsafe(1 + revisionLength(tombstone));
  key[0] = REVISION_PREFIX;
  writeRevision(key, 1, rev, tombstone);
  return key;
}

function bucketDbKey(bucket: string, key: Buffer): Buffer {
  if (bucket.length === 0 || bucket.includes('\0')) throw new Error(`mvcc: invalid bucket name ${JSON.stringify(bucket)}`);
  return Buffer.concat([Buffer.of(BUCKET_PREFIX), Buffer.from(bucket, 'utf8'), Buffer.of(0), key]);
}

function encodeU64(n: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt(n));
  return buf;
}

function encodeI64(n: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64BE(BigInt(n));
  return buf;
}

function openDb(dir: string): Db {
  return new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
}

function sameRevision(a: Revision | undefined, b: Revision): boolean {
  return a !== undefined && a.main === b.main && a.sub === b.sub;
}

// What etcd stores for a tombstone (key only) and reports in DELETE events
// (key and the deleting revision).
function deletionKeyValue(key: Buffer, modRevision: number): KeyValue {
  return { key, createRevision: 0n, modRevision: BigInt(modRevision), version: 0n, value: Buffer.alloc(0), lease: 0n };
}

function withoutValue(kv: KeyValue): KeyValue {
  return { ...kv, value: Buffer.alloc(0) };
}

// The multi-version key-value store. Every write is applied to memory
// synchronously (index + latest value of each live key) and queued for disk;
// commit() writes the queue as one LevelDB batch together with the Raft index
// that produced it. Current reads never touch disk; historical reads load the
// needed records, from the not-yet-written queue first.
const DB_SIZE_REFRESH_MS = 250;

export class MvccStore {
  private dbSizeCached = 0;
  private dbSizeMeasuredAt = -Infinity;
  private readonly index = new KeyIndex();
  private currentRev = INITIAL_REVISION;
  private compactRev = NEVER_COMPACTED;
  private appliedIndex = 0;
  // Records not yet known to be on disk, by latin1 db key; null = deletion.
  // An entry stays until the batch carrying it has been written.
  private readonly unflushed = new Map<string, Buffer | null>();
  private queued: BatchOp[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private readonly buckets = new Map<string, Map<string, Buffer>>();
  private readonly leaseKeys = new Map<bigint, Set<string>>();
  private readonly listeners: EventListener[] = [];
  private bytesInUse = 0;
  private openTxn: WriteTxn | undefined;

  private constructor(private readonly dir: string, private db: Db) {}

  static async open(dir: string): Promise<MvccStore> {
    recoverInterruptedRestore(dir);
    const db = openDb(dir);
    await db.open();
    const store = new MvccStore(dir, db);
    await store.load();
    return store;
  }

  get currentRevision(): number {
    return this.currentRev;
  }

  // -1 until the first compaction, like etcd.
  get compactRevision(): number {
    return this.compactRev;
  }

  // The Raft index of the last commit() (as loaded from disk after a restart).
  get consistentIndex(): number {
    return this.appliedIndex;
  }

  // Reads [key, rangeEnd) in the wire forms of etcd (see toKeyRange): sync when
  // reading the newest revision, a Promise when older records must be loaded.
  range(key: Buffer, rangeEnd: Buffer | undefined, opts: RangeOptions = {}): RangeResult | Promise<RangeResult> {
    return this.rangeAt(toKeyRange(key, rangeEnd), this.currentRev, opts);
  }

  write(): WriteTxn {
    if (this.openTxn !== undefined) throw new Error('mvcc: a write transaction is already open');
    this.openTxn = new WriteTxn(this, this.currentRev);
    return this.openTxn;
  }

  // Makes revisions before `rev` unreadable now (keeping, per key, the newest
  // version at rev unless deleted by then); the records go in the next commit().
  compact(rev: number): void {
    if (rev <= this.compactRev) throw new CompactedError();
    if (rev > this.currentRev) throw new FutureRevError();
    for (const removed of this.index.compact(rev)) {
      this.bytesInUse -= removed.size;
      this.queue(revisionDbKey(removed, removed.tombstone), null);
    }
    this.compactRev = rev;
    this.queue(COMPACT_REVISION_KEY, encodeI64(rev));
  }

  // Writes everything applied so far as one batch, tagged with the Raft index
  // it came from, so replaying entries after that index on restart is exact.
  // Commits are written in call order.
  async commit(consistentIndex: number): Promise<void> {
    this.appliedIndex = consistentIndex;
    const ops = this.queued;
    this.queued = [];
    ops.push({ type: 'put', key: CONSISTENT_INDEX_KEY, value: encodeU64(consistentIndex) });
    const previous = this.flushing;
    const run = (async () => {
      await previous;
      // A chained batch is the same atomic write as db.batch(ops) at a fraction of the CPU per operation.
      const batch = this.db.batch();
      for (const op of ops) {
        if (op.type === 'put') batch.put(op.key, op.value);
        else batch.del(op.key);
      }
      await batch.write();
      this.forgetFlushed(ops);
    })();
    this.flushing = run.catch(() => undefined);
    await run;
  }

  // Records other modules (leases, auth, members) keep in the same batches as
  // the key space, so one commit covers all state an entry changed.
  putMeta(bucket: string, key: Buffer, value: Buffer): void {
    const dbKey = bucketDbKey(bucket, key);
    const records = this.bucket(bucket);
    const old = records.get(key.toString('latin1'));
    if (old !== undefined) this.bytesInUse -= dbKey.length + old.length;
    records.set(key.toString('latin1'), Buffer.from(value));
    this.bytesInUse += dbKey.length + value.length;
    this.queue(dbKey, Buffer.from(value));
  }

  deleteMeta(bucket: string, key: Buffer): void {
    const dbKey = bucketDbKey(bucket, key);
    const records = this.bucket(bucket);
    const old = records.get(key.toString('latin1'));
    if (old === undefined) return;
    this.bytesInUse -= dbKey.length + old.length;
    records.delete(key.toString('latin1'));
    this.queue(dbKey, null);
  }

  getMeta(bucket: string, key: Buffer): Buffer | undefined {
    return this.buckets.get(bucket)?.get(key.toString('latin1'));
  }

  // All records of a bucket sorted by key; served from memory.
  iterateMeta(bucket: string): Array<[Buffer, Buffer]> {
    const records = this.buckets.get(bucket);
    if (records === undefined) return [];
    return [...records.entries()]
      .map(([k, v]): [Buffer, Buffer] => [Buffer.from(k, 'latin1'), v])
      .sort((a, b) => Buffer.compare(a[0], b[0]));
  }

  // Live keys currently attached to a lease, in key order.
  keysWithLease(lease: bigint): Buffer[] {
    const keys = this.leaseKeys.get(lease);
    if (keys === undefined) return [];
    return [...keys].map((k) => Buffer.from(k, 'latin1')).sort(Buffer.compare);
  }

  // Called synchronously from WriteTxn.end() for every revision that changed
  // something. Live PUT/DELETE events carry prevKv when the key existed.
  onEvents(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i !== -1) this.listeners.splice(i, 1);
    };
  }

  // Every change with startRev <= revision <= endRev (endRev capped at the
  // current revision), oldest first, without prevKv. Used by watchers that
  // start in the past.
  async eventsSince(startRev: number, endRev: number = this.currentRev): Promise<Event[]> {
    if (startRev < this.compactRev) throw new CompactedError();
    const last = Math.min(endRev, this.currentRev);
    if (last < startRev) return [];
    const records = await this.revisionRecords(startRev, last);
    return records.map(([revBytes, value]) => {
      const { rev, tombstone } = decodeRevision(revBytes);
      const kv = KeyValue.decode(value);
      if (!tombstone) return { type: Event_EventType.PUT, kv };
      return { type: Event_EventType.DELETE, kv: deletionKeyValue(kv.key, rev.main) };
    });
  }

  // CRC-32C over every revision record and every bucket record: equal on
  // members that applied the same entries, and stable across restarts.
  async hash(): Promise<number> {
    const crc = new Crc32c();
    for (const [k, v] of await this.revisionRecords(0, Number.MAX_SAFE_INTEGER)) crc.update(k).update(v);
    for (const bucket of [...this.buckets.keys()].sort()) {
      for (const [k, v] of this.iterateMeta(bucket)) crc.update(bucketDbKey(bucket, k)).update(v);
    }
    return crc.digest();
  }

  // etcd's HashKV: CRC-32C (seeded with the bucket name "key") over the
  // revision records up to `rev` (0 = current), skipping history older than
  // the compaction point that a compaction at `rev` would drop.
  async hashKV(rev: number): Promise<{ hash: number; compactRevision: number }> {
    const compactRevision = this.compactRev;
    if (rev > 0 && rev <= compactRevision) throw new CompactedError();
    if (rev > this.currentRev) throw new FutureRevError();
    const upTo = rev === 0 ? this.currentRev : rev;
    const keep = this.index.keepSet(upTo);
    const records = await this.revisionRecords(0, upTo);
    const crc = new Crc32c().update(Buffer.from('key'));
    for (const [k, v] of records) {
      const { rev: r } = decodeRevision(k);
      if (r.main <= compactRevision && keep.size > 0 && !keep.has(revisionKey(r))) continue;
      crc.update(k).update(v);
    }
    return { hash: crc.digest(), compactRevision };
  }

  // Dumps the database as last committed (pending writes excluded; call
  // commit() first). The LevelDB snapshot is taken at call time.
  snapshotStream(): Readable {
    const iterator = this.db.iterator();
    async function* chunks(): AsyncGenerator<Buffer> {
      const crc = new Crc32c();
      const header = encodeHeader();
      crc.update(header);
      let parts: Buffer[] = [header];
      let size = header.length;
      try {
        for await (const [k, v] of iterator) {
          const record = encodeRecord(k, v);
          crc.update(record);
          parts.push(record);
          size += record.length;
          if (size >= SNAPSHOT_CHUNK_BYTES) {
            yield Buffer.concat(parts);
            parts = [];
            size = 0;
          }
        }
      } finally {
        await iterator.close();
      }
      parts.push(encodeTrailer(crc.digest()));
      yield Buffer.concat(parts);
    }
    return Readable.from(chunks());
  }

  // Replaces the whole state with a dump from snapshotStream(). The dump is
  // written to a side directory first and swapped in only once complete, so a
  // failure (or crash) leaves the old state intact. Listeners stay registered.
  async restoreFrom(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    if (this.openTxn !== undefined) throw new Error('mvcc: cannot restore during a write transaction');
    await this.flushing;
    const sideDir = restoreDirOf(this.dir);
    fs.rmSync(sideDir, { recursive: true, force: true });
    const side = openDb(sideDir);
    await side.open();
    try {
      const decoder = new SnapshotDecoder();
      for await (const chunk of source) {
        const ops: BatchOp[] = [];
        decoder.push(chunk, (key, value) => ops.push({ type: 'put', key, value }));
        if (ops.length > 0) await side.batch(ops);
      }
      decoder.finish();
    } catch (err) {
      await side.close();
      fs.rmSync(sideDir, { recursive: true, force: true });
      throw err;
    }
    await side.close();
    await this.db.close();
    const oldDir = replacedDirOf(this.dir);
    fs.rmSync(oldDir, { recursive: true, force: true });
    fs.renameSync(this.dir, oldDir);
    fs.renameSync(sideDir, this.dir);
    fs.rmSync(oldDir, { recursive: true, force: true });
    this.db = openDb(this.dir);
    await this.db.open();
    await this.load();
  }

  // Bytes the database files occupy on disk.
  /**
   * Size of the store's files. Writes check it against the quota, so it is measured at most every
   * DB_SIZE_REFRESH_MS rather than on each call.
   */
  dbSize(): number {
    const now = Date.now();
    if (now - this.dbSizeMeasuredAt >= DB_SIZE_REFRESH_MS) {
      let total = 0;
      for (const name of fs.readdirSync(this.dir)) {
        const stat = fs.statSync(`${this.dir}/${name}`, { throwIfNoEntry: false });
        if (stat?.isFile()) total += stat.size;
      }
      this.dbSizeCached = total;
      this.dbSizeMeasuredAt = now;
    }
    return this.dbSizeCached;
  }

  // Uncompressed size of the records still reachable (what a defragmented
  // database would hold before LevelDB's own compression).
  dbSizeInUse(): number {
    return this.bytesInUse;
  }

  // Rewrites LevelDB's files to drop space held by deleted records. Runs on
  // LevelDB's background thread; reads and writes keep working meanwhile.
  async defragment(): Promise<void> {
    await this.db.compactRange(Buffer.alloc(0), Buffer.alloc(64, 0xff));
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.db.close();
  }

  // ---- used by WriteTxn ------------------------------------------------------

  /** @internal */
  rangeAt(range: KeyRange, viewRev: number, opts: RangeOptions): RangeResult | Promise<RangeResult> {
    let rev = opts.revision ?? 0;
    if (rev > viewRev) throw new FutureRevError();
    if (rev <= 0) rev = viewRev;
    if (rev < this.compactRev) throw new CompactedError();
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;

    if (rev === viewRev) {
      const kvs: KeyValue[] = [];
      let count = 0;
      for (const entry of this.index.inRange(range)) {
        if (entry.latest === undefined) continue;
        count++;
        if (!opts.countOnly && kvs.length < limit) kvs.push(opts.keysOnly ? withoutValue(entry.latest) : entry.latest);
      }
      return { kvs, count, rev: viewRev };
    }
    return this.rangeHistory(range, rev, viewRev, limit, opts);
  }

  /** @internal */
  applyPut(key: Buffer, value: Buffer, lease: bigint, rev: Revision): { prev: KeyValue | undefined; kv: KeyValue } {
    const entry = this.index.getOrCreate(key);
    const prev = entry.latest;
    const kv: KeyValue = {
      key: entry.key,
      value: Buffer.from(value),
      createRevision: prev !== undefined ? prev.createRevision : BigInt(rev.main),
      modRevision: BigInt(rev.main),
      version: prev !== undefined ? prev.version + 1n : 1n,
      lease,
    };
    const record = encodeKeyValue(kv);
    const dbKey = revisionDbKey(rev, false);
    const stored: StoredRevision = { ...rev, size: dbKey.length + record.length };
    addRevision(entry, stored);
    this.detachLease(entry);
    entry.latest = kv;
    entry.latestRev = stored;
    this.attachLease(entry);
    this.bytesInUse += stored.size;
    this.queue(dbKey, record);
    return { prev, kv };
  }

  /** @internal */
  applyDelete(entry: KeyEntry, rev: Revision): KeyValue {
    const prev = entry.latest as KeyValue;
    const record = encodeKeyValue(deletionKeyValue(entry.key, 0));
    const dbKey = revisionDbKey(rev, true);
    const stored: StoredRevision = { ...rev, size: dbKey.length + record.length };
    addTombstone(entry, stored);
    this.detachLease(entry);
    entry.latest = undefined;
    entry.latestRev = undefined;
    this.bytesInUse += stored.size;
    this.queue(dbKey, record);
    return prev;
  }

  /** @internal */
  liveEntries(range: KeyRange): KeyEntry[] {
    return this.index.inRange(range).filter(isLive);
  }

  /** @internal */
  finishTxn(txn: WriteTxn, events: Event[]): number {
    if (this.openTxn !== txn) throw new Error('mvcc: transaction already ended');
    this.openTxn = undefined;
    if (events.length === 0) return this.currentRev;
    this.currentRev++;
    for (const listener of [...this.listeners]) listener(events, this.currentRev);
    return this.currentRev;
  }

  // ---- internals -------------------------------------------------------------

  private rangeHistory(
    range: KeyRange,
    rev: number,
    viewRev: number,
    limit: number,
    opts: RangeOptions,
  ): RangeResult | Promise<RangeResult> {
    const slots: Array<KeyValue | undefined> = [];
    const missing: Buffer[] = [];
    const missingSlots: number[] = [];
    let count = 0;
    for (const entry of this.index.inRange(range)) {
      const found = revisionAt(entry, rev);
      if (found === undefined) continue;
      count++;
      if (opts.countOnly || slots.length >= limit) continue;
      if (sameRevision(entry.latestRev, found)) {
        slots.push(entry.latest);
        continue;
      }
      const dbKey = revisionDbKey(found, false);
      const pending = this.unflushed.get(dbKey.toString('latin1'));
      if (pending) {
        slots.push(KeyValue.decode(pending));
        continue;
      }
      missingSlots.push(slots.length);
      missing.push(dbKey);
      slots.push(undefined);
    }
    const finish = (): RangeResult => {
      const kvs = slots as KeyValue[];
      return { kvs: opts.keysOnly ? kvs.map(withoutValue) : kvs, count, rev: viewRev };
    };
    if (missing.length === 0) return finish();
    // getMany reads from a LevelDB snapshot taken right now, so a compaction
    // committed while we wait cannot remove what we are about to read.
    return this.db.getMany(missing).then((values) => {
      values.forEach((value, i) => {
        if (value === undefined) throw new Error(`mvcc: revision record missing on disk: ${missing[i].toString('hex')}`);
        slots[missingSlots[i]] = KeyValue.decode(value);
      });
      return finish();
    });
  }

  // Revision records with fromMain <= main <= toMain, merged from disk and the
  // unflushed queue, in revision order. Returns [revision bytes, value].
  private async revisionRecords(fromMain: number, toMain: number): Promise<Array<[Buffer, Buffer]>> {
    fromMain = Math.max(fromMain, 0);
    if (toMain < fromMain) return [];
    const gte = revisionDbKey({ main: fromMain, sub: 0 }, false);
    const lt = revisionDbKey({ main: toMain + 1, sub: 0 }, false);
    const overlay: Array<[string, Buffer | null]> = [];
    for (const [k, v] of this.unflushed) {
      const key = Buffer.from(k, 'latin1');
      if (key[0] === REVISION_PREFIX && Buffer.compare(key, gte) >= 0 && Buffer.compare(key, lt) < 0) overlay.push([k, v]);
    }
    const merged = new Map<string, Buffer>();
    for await (const [k, v] of this.db.iterator({ gte, lt })) merged.set(k.toString('latin1'), v);
    for (const [k, v] of overlay) {
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    const records = [...merged.entries()].map(([k, v]): [Buffer, Buffer] => [Buffer.from(k, 'latin1').subarray(1), v]);
    if (overlay.length > 0) records.sort((a, b) => Buffer.compare(a[0], b[0]));
    return records;
  }

  private queue(dbKey: Buffer, value: Buffer | null): void {
    this.unflushed.set(dbKey.toString('latin1'), value);
    this.queued.push(value === null ? { type: 'del', key: dbKey } : { type: 'put', key: dbKey, value });
  }

  private forgetFlushed(ops: BatchOp[]): void {
    for (const op of ops) {
      const k = op.key.toString('latin1');
      if (!this.unflushed.has(k)) continue;
      // A later write to the same key is still pending: keep it.
      const current = this.unflushed.get(k);
      if ((op.type === 'put' && current === op.value) || (op.type === 'del' && current === null)) this.unflushed.delete(k);
    }
  }

  private bucket(name: string): Map<string, Buffer> {
    let records = this.buckets.get(name);
    if (records === undefined) {
      records = new Map();
      this.buckets.set(name, records);
    }
    return records;
  }

  private attachLease(entry: KeyEntry): void {
    const lease = entry.latest?.lease ?? 0n;
    if (lease === 0n) return;
    let keys = this.leaseKeys.get(lease);
    if (keys === undefined) {
      keys = new Set();
      this.leaseKeys.set(lease, keys);
    }
    keys.add(entry.key.toString('latin1'));
  }

  private detachLease(entry: KeyEntry): void {
    const lease = entry.latest?.lease ?? 0n;
    if (lease === 0n) return;
    const keys = this.leaseKeys.get(lease);
    keys?.delete(entry.key.toString('latin1'));
    if (keys?.size === 0) this.leaseKeys.delete(lease);
  }

  // Rebuilds all in-memory state with one pass over the database.
  private async load(): Promise<void> {
    this.currentRev = INITIAL_REVISION;
    this.compactRev = NEVER_COMPACTED;
    this.appliedIndex = 0;
    this.unflushed.clear();
    this.queued = [];
    this.buckets.clear();
    this.leaseKeys.clear();
    this.bytesInUse = 0;
    const entries = new Map<string, KeyEntry>();
    for await (const [k, v] of this.db.iterator()) {
      if (k[0] === REVISION_PREFIX) {
        this.loadRevision(entries, k, v);
      } else if (k[0] === BUCKET_PREFIX) {
        const sep = k.indexOf(0, 1);
        this.bucket(k.subarray(1, sep).toString('utf8')).set(k.subarray(sep + 1).toString('latin1'), v);
        this.bytesInUse += k.length + v.length;
      } else if (k.equals(CONSISTENT_INDEX_KEY)) {
        this.appliedIndex = Number(v.readBigUInt64BE());
      } else if (k.equals(COMPACT_REVISION_KEY)) {
        this.compactRev = Number(v.readBigInt64BE());
      }
    }
    // Only deletions can vanish entirely in a compaction, and nothing newer
    // than the compaction point is ever dropped.
    this.currentRev = Math.max(this.currentRev, this.compactRev);
    this.index.load([...entries.values()].sort((a, b) => Buffer.compare(a.key, b.key)));
  }

  private loadRevision(entries: Map<string, KeyEntry>, dbKey: Buffer, value: Buffer): void {
    const { rev, tombstone } = decodeRevision(dbKey.subarray(1));
    const kv = KeyValue.decode(value);
    const name = kv.key.toString('latin1');
    let entry = entries.get(name);
    if (entry === undefined) {
      entry = { key: kv.key, generations: [[]], latest: undefined, latestRev: undefined };
      entries.set(name, entry);
    }
    const stored: StoredRevision = { ...rev, size: dbKey.length + value.length };
    this.currentRev = Math.max(this.currentRev, rev.main);
    this.bytesInUse += stored.size;
    this.detachLease(entry);
    if (tombstone) {
      addTombstone(entry, stored);
      entry.latest = undefined;
      entry.latestRev = undefined;
    } else {
      addRevision(entry, stored);
      entry.latest = kv;
      entry.latestRev = stored;
      this.attachLease(entry);
    }
  }
}

// One atomic change of the store: every put/delete in it shares the main
// revision currentRevision+1; end() publishes it (or nothing, if unchanged).
export class WriteTxn {
  private readonly events: Event[] = [];
  private ended = false;

  /** @internal */
  constructor(private readonly store: MvccStore, readonly beginRevision: number) {}

  // The revision reads inside this transaction observe.
  get revision(): number {
    return this.events.length > 0 ? this.beginRevision + 1 : this.beginRevision;
  }

  put(key: Buffer, value: Buffer, lease: bigint = 0n): { prev?: KeyValue; kv: KeyValue } {
    this.checkOpen();
    const { prev, kv } = this.store.applyPut(key, value, lease, this.nextRevision());
    this.events.push(prev !== undefined ? { type: Event_EventType.PUT, kv, prevKv: prev } : { type: Event_EventType.PUT, kv });
    return prev !== undefined ? { prev, kv } : { kv };
  }

  // rangeEnd uses the wire forms (see toKeyRange).
  deleteRange(key: Buffer, rangeEnd: Buffer | undefined): { deleted: number; prevKvs: KeyValue[] } {
    this.checkOpen();
    const prevKvs: KeyValue[] = [];
    for (const entry of this.store.liveEntries(toKeyRange(key, rangeEnd))) {
      const rev = this.nextRevision();
      const prev = this.store.applyDelete(entry, rev);
      prevKvs.push(prev);
      const kv = deletionKeyValue(entry.key, rev.main);
      this.events.push({ type: Event_EventType.DELETE, kv, prevKv: prev });
    }
    return { deleted: prevKvs.length, prevKvs };
  }

  // Like MvccStore.range but sees this transaction's own writes.
  rangeInTxn(key: Buffer, rangeEnd: Buffer | undefined, opts: RangeOptions = {}): RangeResult | Promise<RangeResult> {
    this.checkOpen();
    return this.store.rangeAt(toKeyRange(key, rangeEnd), this.revision, opts);
  }

  end(): { revision: number; events: Event[] } {
    this.checkOpen();
    this.ended = true;
    const revision = this.store.finishTxn(this, this.events);
    return { revision, events: this.events };
  }

  private nextRevision(): Revision {
    return { main: this.beginRevision + 1, sub: this.events.length };
  }

  private checkOpen(): void {
    if (this.ended) throw new Error('mvcc: transaction already ended');
  }
}

function restoreDirOf(dir: string): string {
  return `${dir.replace(/\/+$/, '')}.restore`;
}

function replacedDirOf(dir: string): string {
  return `${dir.replace(/\/+$/, '')}.replaced`;
}

// Finishes or rolls back a restore that a crash interrupted. The side copy is
// complete once the old database has been moved away, so it is then renamed
// into place; while the old database is still in place it may be partial and
// is discarded.
function recoverInterruptedRestore(dir: string): void {
  const sideDir = restoreDirOf(dir);
  if (fs.existsSync(sideDir) && !fs.existsSync(dir)) fs.renameSync(sideDir, dir);
  fs.rmSync(sideDir, { recursive: true, force: true });
  fs.rmSync(replacedDirOf(dir), { recursive: true, force: true });
}
