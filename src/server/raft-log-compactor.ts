// Every --snapshot-count applied entries, record a Raft snapshot at the applied index and drop the log before it
// (keeping a tail so slightly slow followers still catch up from entries, as etcd keeps 5000).
// The snapshot carries no data: the store is read when a follower actually needs it (see the peer transport).
import type { Logger } from 'pino';
import type { MemoryStorage, RawNode } from '../raft';
import type { RaftLogStore } from '../storage';

export const CATCH_UP_ENTRIES = 5000;

export class RaftLogCompactor {
  private lastSnapshotIndex: number;
  private busy = false;

  constructor(
    private readonly opts: {
      memory: MemoryStorage;
      log: RaftLogStore;
      raw: RawNode;
      snapshotCount: number;
      /** Resolves once the store's files hold everything applied so far (a snapshot must never be ahead of them). */
      flushStore: () => Promise<void>;
      logger: Logger;
      catchUpEntries?: number;
    },
  ) {
    this.lastSnapshotIndex = opts.memory.snapshot().metadata.index;
  }

  /** Call after each apply; starts at most one snapshot at a time in the background. */
  maybeSnapshot(applied: number): void {
    if (this.busy || applied - this.lastSnapshotIndex < this.opts.snapshotCount) return;
    this.busy = true;
    this.snapshot(applied)
      .catch((err) => this.opts.logger.error({ err, index: applied }, 'raft snapshot failed'))
      .finally(() => (this.busy = false));
  }

  private async snapshot(index: number): Promise<void> {
    const { memory, log, raw } = this.opts;
    await this.opts.flushStore();
    const snap = memory.createSnapshot(index, raw.confState(), new Uint8Array(0));
    await log.saveSnapshot(snap);
    this.lastSnapshotIndex = index;
    const compactTo = index - (this.opts.catchUpEntries ?? CATCH_UP_ENTRIES);
    if (compactTo > memory.firstIndex()) {
      memory.compact(compactTo);
      await log.compact(compactTo);
    }
    this.opts.logger.info({ index, compactedTo: Math.max(compactTo, 0) }, 'saved raft snapshot and compacted the log');
  }
}
