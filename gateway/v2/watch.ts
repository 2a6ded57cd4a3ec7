// v2 watches (GET ?wait=true) on top of one v3 watch over the whole v2 keyspace. Each v3 revision written by
// the gateway carries the action key, which names the v2 action and node; a revision that only deletes
// nodes, without the action key, is a lease running out: v2's "expire". Events are then filtered the way
// v2's watcher hub does (exact key, subtree for recursive watchers, hidden nodes, deleted ancestors).
import { Event_EventType, type Event, type KeyValue } from '../../src/gen/mvccpb/kv';
import type { KvApi, WatchApi, WatchStreamApi } from '../../src/server/api';
import type { WatchResponse } from '../../src/gen/etcdserverpb/rpc';
import { V2Error, V2_CODES } from './errors';
import { decodeAction, parentOf, type Keyspace, type NodePath } from './keyspace';
import { nodeFromKv, type V2Event, type V2Node } from './node-json';
import { rangeRequest } from './v3-ops';

/** etcd's v2 store remembers this many events; older wait indexes are "cleared". */
export const HISTORY_SIZE = 1000n;

export interface WatchRequest {
  path: NodePath;
  recursive: boolean;
  stream: boolean;
  /** 0: from the next change. */
  waitIndex: bigint;
}

export interface V2Watch {
  /** The store index when the watch was set up (X-Etcd-Index of the response). */
  readonly startIndex: bigint;
  close(): void;
}

export interface WatchSink {
  event(ev: V2Event): void;
  /** The v3 watch ended on its own (server stopping, watcher canceled). */
  end(): void;
}

/**
 * Starts a v2 watch. Rejects with etcd's 401 error when `waitIndex` is older than the v2 history window or
 * already compacted. After a non-streaming watch delivered its event, no more events are delivered.
 */
export async function startV2Watch(
  api: KvApi & WatchApi,
  ks: Keyspace,
  req: WatchRequest,
  sink: WatchSink,
): Promise<V2Watch> {
  if (req.waitIndex > 0n) await checkNotCompacted(api, ks, req.waitIndex);
  let stream: WatchStreamApi | undefined;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    stream?.close();
  };

  const startIndex = await new Promise<bigint>((resolve, reject) => {
    let created = false;
    const onResponse = (resp: WatchResponse) => {
      if (finished) return;
      if (!created) {
        created = true;
        const current = resp.header?.revision ?? 0n;
        if (resp.canceled) {
          finish();
          reject(new V2Error(V2_CODES.raftInternal, resp.cancelReason, 0n));
          return;
        }
        const oldest = current > HISTORY_SIZE ? current - HISTORY_SIZE + 1n : 1n;
        if (req.waitIndex > 0n && req.waitIndex < oldest) {
          finish();
          reject(historyCleared(oldest, req.waitIndex, current));
          return;
        }
        resolve(current);
      }
      for (const ev of toV2Events(ks, resp.events)) {
        if (finished) return;
        if (!matches(req, ev)) continue;
        sink.event(ev);
        if (!req.stream) finish();
      }
      if (resp.canceled && !finished) {
        finish();
        sink.end();
      }
    };
    stream = api.openWatchStream(onResponse);
    const { key, rangeEnd } = ks.allKeys();
    stream.create({
      key,
      rangeEnd,
      startRevision: req.waitIndex,
      progressNotify: false,
      filters: [],
      prevKv: true,
      watchId: 0n,
      fragment: false,
    });
  });
  return { startIndex, close: finish };
}

function historyCleared(oldest: bigint, waitIndex: bigint, current: bigint): V2Error {
  return new V2Error(V2_CODES.eventIndexCleared, `the requested history has been cleared [${oldest}/${waitIndex}]`, current);
}

/** A wait index at or below the compacted revision can no longer be served from history. */
async function checkNotCompacted(api: KvApi, ks: Keyspace, waitIndex: bigint): Promise<void> {
  try {
    await api.range(rangeRequest(ks.actionKey, Buffer.alloc(0), { revision: waitIndex, serializable: true, countOnly: true }));
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    if (!message.includes('compacted')) {
      // A future revision simply means waiting for it; anything else is a real failure.
      if (message.includes('future revision')) return;
      throw err;
    }
    const current = await api.range(rangeRequest(ks.actionKey, Buffer.alloc(0), { serializable: true, countOnly: true }));
    const rev = current.header?.revision ?? 0n;
    // The compacted revision itself is not known here; the first index still kept is at least waitIndex + 1.
    const oldest = rev > HISTORY_SIZE ? rev - HISTORY_SIZE + 1n : 1n;
    throw historyCleared(oldest > waitIndex ? oldest : waitIndex + 1n, waitIndex, rev);
  }
}

/** Whether a watcher on `req.path` hears about `ev`, following v2's watcher hub. */
export function matches(req: { path: NodePath; recursive: boolean }, ev: V2Event): boolean {
  const key = ev.node?.key;
  if (key === undefined) return false;
  if (key === req.path) return true;
  const under = req.path === '/' ? '/' : `${req.path}/`;
  if (req.recursive && key.startsWith(under) && !`/${key.slice(under.length)}`.includes('/_')) return true;
  // Deleting or expiring a directory reaches the watchers of everything inside it.
  const removedDir = (ev.action === 'delete' || ev.action === 'expire' || ev.action === 'compareAndDelete') && ev.node?.dir === true;
  return removedDir && req.path.startsWith(`${key}/`);
}

/** Turns v3 events (whole revisions, in order) into the v2 events they stand for. */
export function toV2Events(ks: Keyspace, events: Event[]): V2Event[] {
  const out: V2Event[] = [];
  let i = 0;
  while (i < events.length) {
    const rev = events[i].kv?.modRevision ?? 0n;
    let j = i;
    while (j < events.length && (events[j].kv?.modRevision ?? 0n) === rev) j++;
    out.push(...revisionToV2(ks, events.slice(i, j), rev));
    i = j;
  }
  return out;
}

function revisionToV2(ks: Keyspace, events: Event[], rev: bigint): V2Event[] {
  const actionEv = events.find((ev) => ev.kv !== undefined && ev.kv.key.equals(ks.actionKey));
  if (actionEv === undefined) return expiries(ks, events, rev);
  const { action, path } = decodeAction((actionEv.kv as KeyValue).value);
  // A refresh only moves a TTL: v2 keeps such events away from watchers.
  if (action === 'refresh') return [];
  const onPath = events.filter((ev) => ev.kv !== undefined && ks.nodeOf(ev.kv.key)?.path === path);
  const put = onPath.find((ev) => ev.type === Event_EventType.PUT);
  const del = onPath.find((ev) => ev.type === Event_EventType.DELETE);
  // Every write to a file that has a creation record rewrites or deletes the record in the same revision.
  const record = recordEvent(ks, events, path);
  if (put?.kv !== undefined) {
    const node = nodeFromKv(ks, put.kv, record?.type === Event_EventType.PUT ? record.kv : undefined);
    node.modifiedIndex = rev;
    const prev = put.prevKv ?? del?.prevKv;
    return [{ action, node, prevNode: prev === undefined ? undefined : nodeFromKv(ks, prev, record?.prevKv) }];
  }
  if (del?.prevKv !== undefined) return [deletion(ks, action, del.prevKv, record?.prevKv, rev)];
  return [];
}

function recordEvent(ks: Keyspace, events: Event[], path: NodePath): Event | undefined {
  return events.find((ev) => ev.kv !== undefined && ks.createdRecordOf(ev.kv.key) === path);
}

function deletion(ks: Keyspace, action: string, prevKv: KeyValue, prevRecord: KeyValue | undefined, rev: bigint): V2Event {
  const prevNode = nodeFromKv(ks, prevKv, prevRecord);
  const node: V2Node = { key: prevNode.key, dir: prevNode.dir, modifiedIndex: rev, createdIndex: prevNode.createdIndex };
  return { action, node, prevNode };
}

/** A revision of bare deletions is a lease expiring: one event per removed node whose parent survived. */
function expiries(ks: Keyspace, events: Event[], rev: bigint): V2Event[] {
  const removed = events.filter((ev) => ev.type === Event_EventType.DELETE && ev.prevKv !== undefined && ev.kv !== undefined);
  const removedPaths = new Set(removed.map((ev) => ks.nodeOf((ev.kv as KeyValue).key)?.path));
  return removed
    .flatMap((ev) => {
      const where = ks.nodeOf((ev.kv as KeyValue).key);
      if (where === undefined || removedPaths.has(parentOf(where.path))) return [];
      return [deletion(ks, 'expire', ev.prevKv as KeyValue, recordEvent(ks, removed, where.path)?.prevKv, rev)];
    });
}
