// One client watch stream (one gRPC Watch call): turns WatchRequests into watchers on the watchable store and
// everything that happens to them into WatchResponses, delivered in order through `send`. Independent of grpc-js:
// the server passes a `send` that writes to the call (returning a promise while the call is not writable).
//
// Responses of all watchers share one ordered queue. Control responses (created, canceled, progress) are always
// queued; event responses only while fewer than `bufferSize` are waiting, so a slow client pushes its watchers back
// to catching up from history instead of growing memory.
import { Event_EventType, type Event } from '../gen/mvccpb/kv';
import type { ResponseHeader, WatchCreateRequest, WatchRequest, WatchResponse } from '../gen/etcdserverpb/rpc';
import type { WatchableStore, WatchHandle, WatcherResponse } from './watchable-store';
import { fragmentWatchResponse } from './watch-fragment';

/** watch_id of responses that belong to no watcher (failed creates, stream-wide progress). */
export const INVALID_WATCH_ID = -1n;

/** etcd's default --max-request-bytes plus the gRPC overhead allowance it adds for watch responses. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1.5 * 1024 * 1024 + 512 * 1024;

/** etcd's default period of progress_notify responses. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 10 * 60 * 1000;

export interface WatchStreamOptions {
  store: WatchableStore;
  /** Delivers one response; a returned promise holds back the next response until it settles. */
  send: (resp: WatchResponse) => void | Promise<void>;
  /** The header for a response at `revision` (cluster id, member id, raft term are the server's). */
  header: (revision: number) => ResponseHeader;
  /** Throws when the caller may not watch this range; the error message becomes the cancel_reason. */
  authorize?: (req: WatchCreateRequest) => void;
  /** Above this encoded size, responses of watchers that asked for fragments are split. */
  maxResponseBytes?: number;
  /** Event responses that may wait in the queue before watchers are pushed back to catch-up. */
  bufferSize?: number;
  /** Period of progress_notify responses (etcd adds up to 10% jitter); 0 turns the timer off. */
  progressIntervalMs?: number;
  /** Called once when the stream stops because `send` failed. */
  onError?: (err: unknown) => void;
}

interface StreamWatcher {
  handle: WatchHandle;
  prevKv: boolean;
  fragment: boolean;
  /** Whether the next periodic tick should send progress; events sent since the last tick make it unnecessary. */
  progressDue: boolean;
  progressNotify: boolean;
}

type Outgoing =
  | { kind: 'control'; resp: WatchResponse }
  | { kind: 'watcher'; id: bigint; watcher: StreamWatcher; resp: WatcherResponse };

function isCreateEvent(ev: Event): boolean {
  return ev.type === Event_EventType.PUT && ev.kv !== undefined && ev.kv.createRevision === ev.kv.modRevision;
}

export class WatchStream {
  private readonly store: WatchableStore;
  private readonly sendFn: WatchStreamOptions['send'];
  private readonly header: WatchStreamOptions['header'];
  private readonly authorize: WatchStreamOptions['authorize'];
  private readonly maxResponseBytes: number;
  private readonly bufferSize: number;
  private readonly onError: WatchStreamOptions['onError'];
  private readonly watchers = new Map<bigint, StreamWatcher>();
  private nextId = 0n;
  private readonly queue: Outgoing[] = [];
  private queuedWatcherResponses = 0;
  private refused = false;
  private pumping = false;
  private closed = false;
  private progressTimer: NodeJS.Timeout | undefined;

  constructor(opts: WatchStreamOptions) {
    this.store = opts.store;
    this.sendFn = opts.send;
    this.header = opts.header;
    this.authorize = opts.authorize;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.bufferSize = opts.bufferSize ?? 128;
    this.onError = opts.onError;
    const interval = opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    if (interval > 0) {
      // Jitter keeps the streams of a restarted client from all ticking together.
      this.progressTimer = setInterval(() => this.progressTick(), interval + Math.floor(Math.random() * (interval / 10)));
      this.progressTimer.unref();
    }
  }

  /** Dispatches one request read from the client. */
  handle(req: WatchRequest): void {
    if (req.createRequest !== undefined) this.create(req.createRequest);
    else if (req.cancelRequest !== undefined) this.cancel(req.cancelRequest.watchId);
    else if (req.progressRequest !== undefined) this.requestProgress();
  }

  create(req: WatchCreateRequest): void {
    if (this.closed) return;
    // An empty key means the smallest key, "\0".
    const key = req.key.length === 0 ? Buffer.from([0]) : req.key;
    const rangeEnd = req.rangeEnd.length === 0 ? undefined : req.rangeEnd;
    const current = this.store.currentRevision;
    const refuse = (reason: string) =>
      this.enqueueControl({
        ...this.emptyResponse(current),
        watchId: INVALID_WATCH_ID,
        created: true,
        canceled: true,
        cancelReason: reason,
      });

    try {
      this.authorize?.(req);
    } catch (err) {
      refuse(err instanceof Error ? err.message : String(err));
      return;
    }
    const toEnd = rangeEnd !== undefined && rangeEnd.length === 1 && rangeEnd[0] === 0;
    if (rangeEnd !== undefined && !toEnd && Buffer.compare(key, rangeEnd) >= 0) {
      refuse('mvcc: watcher range is empty');
      return;
    }
    let id = req.watchId;
    if (id === 0n) {
      while (this.watchers.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.watchers.has(id)) {
      refuse('mvcc: duplicate watch ID provided on the WatchStream');
      return;
    }

    // Queued before the watcher exists, so "created" always precedes the watcher's first events.
    this.enqueueControl({ ...this.emptyResponse(current), watchId: id, created: true });
    const startRev = req.startRevision === 0n ? current + 1 : Math.max(1, Number(req.startRevision));
    // The store never calls the sink from within watch(), so the closure may refer to `watcher` before it is set.
    const watcher: StreamWatcher = {
      handle: this.store.watch(key, rangeEnd, startRev, { filters: req.filters }, (resp) =>
        this.offer(id, watcher, resp),
      ),
      prevKv: req.prevKv,
      fragment: req.fragment,
      progressDue: true,
      progressNotify: req.progressNotify,
    };
    this.watchers.set(id, watcher);
  }

  /** Cancels watcher `id`; unknown ids are ignored, as etcd does. */
  cancel(id: bigint): void {
    const watcher = this.watchers.get(id);
    if (this.closed || watcher === undefined) return;
    watcher.handle.cancel();
    this.watchers.delete(id);
    this.enqueueControl({ ...this.emptyResponse(this.store.currentRevision), watchId: id, canceled: true });
  }

  /** A client's WatchProgressRequest: one stream-wide response carrying the current revision (etcd 3.4). */
  requestProgress(): void {
    if (this.closed) return;
    this.enqueueControl({ ...this.emptyResponse(this.store.currentRevision), watchId: INVALID_WATCH_ID });
  }

  /** Periodic progress_notify: watchers that asked for it and got no events since the last tick hear the revision. */
  progressTick(): void {
    for (const watcher of this.watchers.values()) {
      if (!watcher.progressNotify) continue;
      if (watcher.progressDue) watcher.handle.requestProgress();
      watcher.progressDue = true;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.progressTimer !== undefined) clearInterval(this.progressTimer);
    for (const watcher of this.watchers.values()) watcher.handle.cancel();
    this.watchers.clear();
    this.queue.length = 0;
    this.queuedWatcherResponses = 0;
  }

  private emptyResponse(revision: number): WatchResponse {
    return {
      header: this.header(revision),
      watchId: 0n,
      created: false,
      canceled: false,
      compactRevision: 0n,
      cancelReason: '',
      fragment: false,
      events: [],
    };
  }

  private offer(id: bigint, watcher: StreamWatcher, resp: WatcherResponse): boolean {
    if (this.closed) return true;
    if (this.queuedWatcherResponses >= this.bufferSize) {
      this.refused = true;
      return false;
    }
    if (resp.compactRevision !== 0) this.watchers.delete(id);
    this.queuedWatcherResponses++;
    this.queue.push({ kind: 'watcher', id, watcher, resp });
    void this.pump();
    return true;
  }

  private enqueueControl(resp: WatchResponse): void {
    this.queue.push({ kind: 'control', resp });
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const item = this.queue.shift() as Outgoing;
        if (item.kind === 'control') {
          await this.sendFn(item.resp);
          continue;
        }
        this.queuedWatcherResponses--;
        for (const part of await this.watcherResponse(item.id, item.watcher, item.resp)) {
          if (this.closed) break;
          await this.sendFn(part);
        }
      }
    } catch (err) {
      this.close();
      this.onError?.(err);
    } finally {
      this.pumping = false;
    }
    if (this.refused && !this.closed) {
      this.refused = false;
      this.store.wake();
    }
  }

  private async watcherResponse(id: bigint, watcher: StreamWatcher, resp: WatcherResponse): Promise<WatchResponse[]> {
    const base = this.emptyResponse(resp.revision);
    if (resp.compactRevision !== 0) {
      return [{ ...base, watchId: id, canceled: true, compactRevision: BigInt(resp.compactRevision) }];
    }
    // Events are shared with other watchers: copy, and carry prev_kv only for watchers that asked for it.
    const events: Event[] = [];
    for (const ev of resp.events) {
      let prevKv = watcher.prevKv ? ev.prevKv : undefined;
      if (watcher.prevKv && prevKv === undefined && ev.kv !== undefined && !isCreateEvent(ev)) {
        prevKv = await this.store.readAt(ev.kv.key, Number(ev.kv.modRevision) - 1);
      }
      events.push({ type: ev.type, kv: ev.kv, prevKv });
    }
    if (events.length > 0) watcher.progressDue = false;
    const full: WatchResponse = { ...base, watchId: id, events };
    return watcher.fragment ? fragmentWatchResponse(full, this.maxResponseBytes) : [full];
  }
}
