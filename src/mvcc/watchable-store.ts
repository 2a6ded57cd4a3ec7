// Watchers over the MVCC store, with etcd's guarantees: every event at or after a watcher's start revision is
// delivered once, in revision order, and all events of one revision travel in the same response.
//
// A watcher is in one of two groups. "Synced" watchers have seen everything up to the current revision; the store
// pushes each new revision to them synchronously at the end of the write transaction. "Unsynced" watchers are
// behind — they started in the past, or their consumer refused a response — and a background loop catches them up
// from the store's history, a bounded chunk of revisions at a time, until they reach the current revision and join
// the synced group. A consumer that refuses a response is simply moved back to unsynced at the refused revision:
// writes and other watchers never wait for it, and nothing is buffered for it beyond what its consumer accepted.
import { Event_EventType, type Event, type KeyValue } from '../gen/mvccpb/kv';
import { WatchCreateRequest_FilterType } from '../gen/etcdserverpb/rpc';
import { rangeContains, toKeyRange, type KeyRange } from './key-range';
import { WatcherGroup } from './watch-group';

/** What the watchable store needs from the MVCC store. */
export interface WatchSource {
  readonly currentRevision: number;
  readonly compactRevision: number;
  /** Called synchronously at the end of every write transaction that changed something; returns an unsubscribe. */
  onEvents(listener: (events: Event[], revision: number) => void): () => void;
  /** Events of revisions startRev..endRev (inclusive), in revision order; throws once startRev is compacted. */
  eventsSince(startRev: number, endRev: number): Promise<Event[]>;
  range(
    key: Buffer,
    rangeEnd: Buffer | undefined,
    opts: { revision?: number },
  ): { kvs: KeyValue[] } | Promise<{ kvs: KeyValue[] }>;
}

/** One response for one watcher: events (possibly none, for progress), or the compaction that ended it. */
export interface WatcherResponse {
  events: Event[];
  /** The watcher has seen every change up to this revision. */
  revision: number;
  /** Non-zero when the watcher's start revision was compacted away; the watcher is gone. */
  compactRevision: number;
}

/** Returns false when the consumer cannot take the response now; it will be offered again later. */
export type WatchSink = (resp: WatcherResponse) => boolean;

export interface WatchOptions {
  filters?: readonly WatchCreateRequest_FilterType[];
}

export interface WatchHandle {
  cancel(): void;
  /** Sends an empty response with the current revision, only if the watcher is caught up (as etcd). */
  requestProgress(): void;
}

/** At most this many revisions are read from history and sent to a catching-up watcher in one response. */
export const MAX_REVISIONS_PER_SYNC = 1000;

/** How soon a catch-up that made no progress (consumers full, read failed) is retried. */
const SYNC_RETRY_MS = 100;

class Watcher {
  /** The first revision this watcher has not seen yet. */
  nextRev: number;
  /** Its consumer refused the last offer: skipped by catch-up until the consumer wakes us or the retry fires. */
  blocked = false;

  constructor(
    readonly range: KeyRange,
    startRev: number,
    private readonly dropped: ReadonlySet<Event_EventType>,
    readonly sink: WatchSink,
  ) {
    this.nextRev = startRev;
  }

  /** Offers `events` (already matched to this watcher) after filtering; nothing left to send counts as accepted. */
  offer(events: Event[], revision: number): boolean {
    const kept = this.dropped.size === 0 ? events : events.filter((ev) => !this.dropped.has(ev.type));
    if (kept.length === 0) return true;
    return this.sink({ events: kept, revision, compactRevision: 0 });
  }
}

function filterToEventType(filter: WatchCreateRequest_FilterType): Event_EventType | undefined {
  if (filter === WatchCreateRequest_FilterType.NOPUT) return Event_EventType.PUT;
  if (filter === WatchCreateRequest_FilterType.NODELETE) return Event_EventType.DELETE;
  return undefined;
}

function modRevision(ev: Event): number {
  return Number(ev.kv?.modRevision ?? 0n);
}

export class WatchableStore {
  private source: WatchSource;
  private unsubscribe: () => void;
  /** Synced watchers have seen every revision up to this one. */
  private notifiedRevision: number;
  private readonly synced = new WatcherGroup<Watcher>();
  private readonly unsynced = new WatcherGroup<Watcher>();
  private syncRunning = false;
  private syncAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(source: WatchSource) {
    this.source = source;
    this.notifiedRevision = source.currentRevision;
    this.unsubscribe = source.onEvents((events, revision) => this.notify(events, revision));
  }

  get currentRevision(): number {
    return this.source.currentRevision;
  }

  /** Number of watchers still catching up (for metrics and tests). */
  get unsyncedCount(): number {
    return this.unsynced.size;
  }

  /**
   * Watches `key` (or the wire-encoded range up to `rangeEnd`) from `startRev`; 0 means "changes after now".
   * The caller validates the range; responses go to `sink`, never synchronously from within this call.
   */
  watch(key: Buffer, rangeEnd: Buffer | undefined, startRev: number, opts: WatchOptions, sink: WatchSink): WatchHandle {
    const dropped = new Set<Event_EventType>();
    for (const filter of opts.filters ?? []) {
      const type = filterToEventType(filter);
      if (type !== undefined) dropped.add(type);
    }
    const current = this.source.currentRevision;
    const first = startRev <= 0 ? current + 1 : startRev;
    const w = new Watcher(toKeyRange(key, rangeEnd), first, dropped, sink);
    if (first > current) {
      this.synced.add(w);
    } else {
      this.unsynced.add(w);
      this.scheduleSync();
    }
    return {
      cancel: () => this.remove(w),
      requestProgress: () => {
        if (this.synced.has(w)) w.sink({ events: [], revision: this.source.currentRevision, compactRevision: 0 });
      },
    };
  }

  /** Reads the value `key` had at `revision`; undefined when absent or no longer readable (compacted). */
  async readAt(key: Buffer, revision: number): Promise<KeyValue | undefined> {
    try {
      const result = await this.source.range(key, undefined, { revision });
      return result.kvs[0];
    } catch {
      return undefined;
    }
  }

  /** A consumer that refused responses has room again: catch up its watchers now rather than on the next retry. */
  wake(): void {
    if (this.unsynced.size === 0) return;
    for (const w of this.unsynced.members()) w.blocked = false;
    this.scheduleSync();
  }

  /**
   * The store's contents were replaced (Raft snapshot). Every watcher re-reads from the first revision it has not
   * seen; pass the new source when the store object itself was replaced.
   */
  restore(source?: WatchSource): void {
    if (source !== undefined && source !== this.source) {
      this.unsubscribe();
      this.source = source;
      this.unsubscribe = source.onEvents((events, revision) => this.notify(events, revision));
    }
    for (const w of this.synced.members()) {
      // Idle watchers' own cursor may be far behind (and compacted); they are known to be up to date until here.
      w.nextRev = Math.max(w.nextRev, this.notifiedRevision + 1);
      this.synced.delete(w);
      this.unsynced.add(w);
    }
    this.scheduleSync();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    for (const w of [...this.synced.members(), ...this.unsynced.members()]) this.remove(w);
  }

  private remove(w: Watcher): void {
    this.synced.delete(w);
    this.unsynced.delete(w);
  }

  /** Pushes one freshly written revision to the synced watchers it concerns. */
  private notify(events: Event[], revision: number): void {
    this.notifiedRevision = revision;
    if (this.synced.size === 0) return;
    const byWatcher = new Map<Watcher, Event[]>();
    for (const ev of events) {
      if (ev.kv === undefined) continue;
      for (const w of this.synced.matching(ev.kv.key)) {
        if (modRevision(ev) < w.nextRev) continue;
        const list = byWatcher.get(w);
        if (list === undefined) byWatcher.set(w, [ev]);
        else list.push(ev);
      }
    }
    let fellBehind = false;
    for (const [w, evs] of byWatcher) {
      if (w.offer(evs, revision)) {
        w.nextRev = revision + 1;
        continue;
      }
      w.nextRev = revision;
      w.blocked = true;
      this.synced.delete(w);
      this.unsynced.add(w);
      fellBehind = true;
    }
    if (fellBehind) this.scheduleSync();
  }

  private scheduleSync(): void {
    if (this.closed) return;
    if (this.syncRunning) {
      this.syncAgain = true;
      return;
    }
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    this.syncRunning = true;
    setImmediate(() => void this.runSync());
  }

  private async runSync(): Promise<void> {
    let progressed = true;
    try {
      while (!this.closed && this.unsynced.size > 0 && (progressed || this.syncAgain)) {
        this.syncAgain = false;
        progressed = await this.syncRound();
      }
    } finally {
      this.syncRunning = false;
    }
    if (!this.closed && this.unsynced.size > 0) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.wake();
      }, SYNC_RETRY_MS);
      this.retryTimer.unref();
    }
  }

  /** One catch-up step for all unsynced watchers; returns whether any of them moved forward. */
  private async syncRound(): Promise<boolean> {
    const current = this.source.currentRevision;
    let progressed = this.endCompacted(this.source.compactRevision - 1);
    for (const w of this.unsynced.members()) {
      if (w.nextRev > current) {
        this.unsynced.delete(w);
        this.synced.add(w);
        progressed = true;
      }
    }
    const ready = this.unsynced.members().filter((w) => !w.blocked);
    if (ready.length === 0) return progressed;

    // Blocked watchers do not count, so a stalled consumer far behind never holds back the others.
    const start = ready.reduce((min, w) => Math.min(min, w.nextRev), Infinity);
    const end = Math.min(current, start + MAX_REVISIONS_PER_SYNC - 1);
    let events: Event[];
    try {
      events = await this.source.eventsSince(start, end);
    } catch {
      // A compaction between our check and the read (or one that also covers its own revision in the source's
      // view) ends the watchers that started at or below it; anything else is retried later.
      const compacted = this.source.compactRevision;
      return compacted >= start ? this.endCompacted(compacted) || progressed : progressed;
    }

    for (const w of this.unsynced.members()) {
      // Watchers that joined or fell behind during the read are outside [start, end]: handled next round.
      if (w.blocked || w.nextRev < start || w.nextRev > end) continue;
      const mine = events.filter((ev) => {
        const rev = modRevision(ev);
        return rev >= w.nextRev && rev <= end && ev.kv !== undefined && rangeContains(w.range, ev.kv.key);
      });
      if (!w.offer(mine, end)) {
        w.blocked = true;
        continue;
      }
      w.nextRev = end + 1;
      progressed = true;
      if (w.nextRev > this.source.currentRevision) {
        this.unsynced.delete(w);
        this.synced.add(w);
      }
    }
    return progressed;
  }

  /** Ends, with a compaction response, every unsynced watcher whose next revision is at or below `lastGone`. */
  private endCompacted(lastGone: number): boolean {
    let ended = false;
    for (const w of this.unsynced.members()) {
      if (w.blocked || w.nextRev > lastGone) continue;
      const compactRevision = this.source.compactRevision;
      if (!w.sink({ events: [], revision: this.source.currentRevision, compactRevision })) {
        w.blocked = true;
        continue;
      }
      this.remove(w);
      ended = true;
    }
    return ended;
  }
}
