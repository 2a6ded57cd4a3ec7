// The durable Raft log: hard state, entries and the latest snapshot, on LevelDB.
//
// Crash safety rests on LevelDB's write batches being atomic: a batch is one record in
// LevelDB's write-ahead log, and a record cut off by a crash fails its checksum and is
// discarded whole on reopen. So a torn save loses only that save, never earlier entries.
// Recovery still refuses to hand Raft a log with a hole (which would only arise from damage
// outside LevelDB's guarantees): it keeps the contiguous run after the snapshot and drops
// everything after the first missing index.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ClassicLevel, type ChainedBatch } from 'classic-level';
import { SnapshotOutOfDateError } from '../raft/errors';
import { NONE, type Entry, type HardState, type Snapshot } from '../raft/types';
import {
  ENTRY_RANGE,
  HARD_STATE_KEY,
  SNAPSHOT_META_KEY,
  decodeEntry,
  decodeHardState,
  decodeSnapshotMeta,
  encodeEntry,
  encodeHardState,
  encodeSnapshotMeta,
  entryKey,
  entryKeyIndex,
  type StoredSnapshotMeta,
} from './codec';
import {
  dataChecksum,
  readSnapshotFile,
  pruneSnapshotFiles,
  snapshotFileName,
  writeSnapshotFile,
} from './snapshot-files';

/** What a restarted node feeds its MemoryStorage: applySnapshot(snapshot), setHardState, append(entries). */
export interface LoadedLog {
  hardState: HardState;
  snapshot?: Snapshot;
  /** Contiguous entries starting right after the snapshot (or at index 1 without one). */
  entries: Entry[];
}

/** The stored log contradicts itself in a way a crash cannot explain (e.g. commit beyond the last entry). */
export class StorageCorruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageCorruptedError';
  }
}

type Db = ClassicLevel<Buffer, Buffer>;

/** etcd's default --max-snapshots. */
const DEFAULT_MAX_SNAPSHOTS = 5;
type Batch = ChainedBatch<Db, Buffer, Buffer>;
type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 };

export class RaftLogStore {
  /** Operations run one at a time: each computes its batch from the state the previous one left. */
  private queue: Promise<unknown> = Promise.resolve();
  private syncs = 0;

  private constructor(
    private readonly db: Db,
    private readonly snapDir: string,
    private snapMeta: StoredSnapshotMeta | undefined,
    /** Index of the last stored entry, or the snapshot's index when no entry follows it. */
    private lastIndex: number,
    private readonly maxSnapshots: number,
  ) {}

  /** `maxSnapshots`: snapshot files to retain, the current one included (etcd's --max-snapshots; 0 = all). */
  static async open(dir: string, opts: { maxSnapshots?: number } = {}): Promise<RaftLogStore> {
    const snapDir = path.join(dir, 'snap');
    await fs.mkdir(snapDir, { recursive: true });
    const db: Db = new ClassicLevel(path.join(dir, 'log'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    try {
      return await RaftLogStore.recover(db, snapDir, opts.maxSnapshots ?? DEFAULT_MAX_SNAPSHOTS);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  private static async recover(db: Db, snapDir: string, maxSnapshots: number): Promise<RaftLogStore> {
    const metaBuf = await db.get(SNAPSHOT_META_KEY);
    const snapMeta = metaBuf === undefined ? undefined : decodeSnapshotMeta(metaBuf);
    const snapIndex = snapMeta?.metadata.index ?? 0;

    let lastIndex = snapIndex;
    const afterGap: BatchOp[] = [];
    for await (const key of db.keys(ENTRY_RANGE)) {
      const index = entryKeyIndex(key);
      // Entries the snapshot covers are harmless leftovers of a compaction not yet done.
      if (index <= snapIndex) continue;
      if (afterGap.length === 0 && index === lastIndex + 1) lastIndex = index;
      else afterGap.push({ type: 'del', key });
    }
    const hardState = await RaftLogStore.readHardState(db);
    if (hardState.commit > lastIndex) {
      throw new StorageCorruptedError(`commit index ${hardState.commit} is beyond the last stored entry ${lastIndex}`);
    }
    // Deleting them now keeps a later append that fills the hole from resurrecting them.
    if (afterGap.length > 0) await db.batch(afterGap, { sync: true });
    await pruneSnapshotFiles(snapDir, snapMeta && snapshotFileName(snapMeta.metadata), maxSnapshots);
    return new RaftLogStore(db, snapDir, snapMeta, lastIndex, maxSnapshots);
  }

  private static async readHardState(db: Db): Promise<HardState> {
    const buf = await db.get(HARD_STATE_KEY);
    return buf === undefined ? { ...EMPTY_HARD_STATE } : decodeHardState(buf);
  }

  /** Number of synced (fsynced) LevelDB batches written so far: one per save() that had anything to write. */
  get syncCount(): number {
    return this.syncs;
  }

  load(): Promise<LoadedLog> {
    return this.enqueue(async () => {
      const hardState = await RaftLogStore.readHardState(this.db);
      const snapIndex = this.snapMeta?.metadata.index ?? 0;
      const entries: Entry[] = [];
      if (this.lastIndex > snapIndex) {
        const range = { gt: entryKey(snapIndex), lte: entryKey(this.lastIndex) };
        for await (const [key, value] of this.db.iterator(range)) entries.push(decodeEntry(entryKeyIndex(key), value));
      }
      const snapshot = this.snapMeta && (await this.readSnapshot(this.snapMeta));
      return snapshot ? { hardState, snapshot, entries } : { hardState, entries };
    });
  }

  /**
   * Persists one Ready in a single synced batch. `entries` replace any stored suffix from their
   * first index on; a `snapshot` (one received from the leader) replaces the whole log.
   */
  save(hardState: HardState | undefined, entries: Entry[], snapshot?: Snapshot): Promise<void> {
    return this.enqueue(async () => {
      const installing = snapshot !== undefined && snapshot.metadata.index > 0 ? snapshot : undefined;
      const base = installing ? installing.metadata.index : this.lastIndex;
      checkAppendable(entries, base);
      if (!installing && entries.length === 0 && !hardState) return;

      const snapMeta = installing && (await this.writeSnapshotData(installing));
      // Raft only sends a snapshot when the follower's log cannot be reconciled with the leader's.
      const replaced = installing ? await this.allEntryKeys() : [];
      // A chained batch is the same single atomic write as db.batch(ops), at a fraction of the CPU per entry.
      const batch = this.db.batch();
      if (snapMeta) batch.put(SNAPSHOT_META_KEY, encodeSnapshotMeta(snapMeta));
      for (const key of replaced) batch.del(key);
      const lastIndex = addEntries(batch, entries, base);
      if (hardState) batch.put(HARD_STATE_KEY, encodeHardState(hardState));
      await batch.write({ sync: true });
      this.syncs++;
      if (snapMeta) await this.switchSnapshot(snapMeta);
      this.lastIndex = lastIndex;
    });
  }

  /**
   * Records a snapshot the application took of its own state. The entries after it stay;
   * the ones it covers go only when compact() is called, so slow followers can still be fed from the log.
   */
  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.enqueue(async () => {
      if (snapshot.metadata.index > this.lastIndex) {
        throw new Error(`snapshot index ${snapshot.metadata.index} is beyond the last stored entry ${this.lastIndex}`);
      }
      const snapMeta = await this.writeSnapshotData(snapshot);
      await this.db.put(SNAPSHOT_META_KEY, encodeSnapshotMeta(snapMeta), { sync: true });
      this.syncs++;
      await this.switchSnapshot(snapMeta);
    });
  }

  /** Deletes the entries at or below `index`, which must be covered by the saved snapshot. */
  compact(index: number): Promise<void> {
    return this.enqueue(async () => {
      const snapIndex = this.snapMeta?.metadata.index ?? 0;
      if (index > snapIndex) throw new Error(`cannot compact to ${index}: the snapshot only covers ${snapIndex}`);
      const ops: BatchOp[] = [];
      for await (const key of this.db.keys({ gte: ENTRY_RANGE.gte, lte: entryKey(index) })) ops.push({ type: 'del', key });
      // Unsynced on purpose: if a crash undoes it, the entries reappear below the snapshot, where recovery ignores them.
      if (ops.length > 0) await this.db.batch(ops, { sync: false });
    });
  }

  async close(): Promise<void> {
    await this.queue;
    await this.db.close();
  }

  private async allEntryKeys(): Promise<Buffer[]> {
    const keys: Buffer[] = [];
    for await (const key of this.db.keys(ENTRY_RANGE)) keys.push(key);
    return keys;
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeSnapshotData(snapshot: Snapshot): Promise<StoredSnapshotMeta> {
    const current = this.snapMeta?.metadata.index ?? 0;
    if (snapshot.metadata.index <= current) throw new SnapshotOutOfDateError();
    await writeSnapshotFile(this.snapDir, snapshotFileName(snapshot.metadata), snapshot.data);
    return { metadata: snapshot.metadata, dataSize: snapshot.data.length, dataCrc: dataChecksum(snapshot.data) };
  }

  /** Once the metadata naming `snapMeta` is durable, snapshot files beyond the retained ones are garbage. */
  private async switchSnapshot(snapMeta: StoredSnapshotMeta): Promise<void> {
    this.snapMeta = snapMeta;
    await pruneSnapshotFiles(this.snapDir, snapshotFileName(snapMeta.metadata), this.maxSnapshots);
  }

  private async readSnapshot(meta: StoredSnapshotMeta): Promise<Snapshot> {
    const data = await readSnapshotFile(this.snapDir, snapshotFileName(meta.metadata));
    if (data.length !== meta.dataSize || dataChecksum(data) !== meta.dataCrc) {
      throw new StorageCorruptedError(`snapshot data for index ${meta.metadata.index} does not match its checksum`);
    }
    return { metadata: meta.metadata, data };
  }
}

function checkAppendable(entries: Entry[], lastIndex: number): void {
  if (entries.length === 0) return;
  const first = entries[0].index;
  if (first > lastIndex + 1) throw new Error(`appending index ${first} after ${lastIndex} would leave a gap`);
  entries.forEach((e, i) => {
    if (e.index !== first + i) throw new Error(`entries are not contiguous at index ${e.index}`);
  });
}

/** Puts `entries` and deletes the stored suffix they supersede; returns the new last index. */
function addEntries(batch: Batch, entries: Entry[], lastIndex: number): number {
  if (entries.length === 0) return lastIndex;
  for (const e of entries) batch.put(entryKey(e.index), encodeEntry(e));
  const newLast = entries[entries.length - 1].index;
  for (let i = newLast + 1; i <= lastIndex; i++) batch.del(entryKey(i));
  return newLast;
}
