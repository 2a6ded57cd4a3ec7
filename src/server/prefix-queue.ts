// The queue under etcd's Lock and Election services. Like etcd's client recipes (clientv3/concurrency), each
// contender is one key under a shared prefix, attached to the contender's lease; contenders are served in the order
// their keys were created, and a contender's turn comes once every older key under the prefix is gone. Everything
// here goes through the service layer, exactly as etcd's own recipes go through a client.
import { status as Status } from '@grpc/grpc-js';
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
  WatchCreateRequest_FilterType,
  type Compare,
  type PutRequest,
  type RangeRequest,
  type ResponseHeader,
  type WatchCreateRequest,
  type WatchResponse,
} from '../gen/etcdserverpb/rpc';
import { Event_EventType } from '../gen/mvccpb/kv';
import type { Caller, KvApi, LeaseApi, WatchApi } from './api';
import { EtcdError } from './errors';
import { prefixEnd } from '../mvcc/key-range';

/** What the recipes need from the service layer. */
export type RecipeApi = KvApi & LeaseApi & WatchApi;

/**
 * `api` acting for `caller`: every call that auth checks carries the caller, so a recipe (or a gateway) written
 * against the plain service layer runs with the permissions of whoever asked for it.
 */
export function actingFor(api: RecipeApi, caller: Caller | undefined): RecipeApi {
  if (caller === undefined) return api;
  return {
    range: (req) => api.range(req, caller),
    put: (req) => api.put(req, caller),
    deleteRange: (req) => api.deleteRange(req, caller),
    txn: (req) => api.txn(req, caller),
    compact: (req) => api.compact(req, caller),
    leaseGrant: (req) => api.leaseGrant(req),
    leaseRevoke: (req) => api.leaseRevoke(req, caller),
    leaseRenew: (id) => api.leaseRenew(id),
    leaseTimeToLive: (req) => api.leaseTimeToLive(req),
    leaseLeases: () => api.leaseLeases(),
    openWatchStream: (send) => {
      const stream = api.openWatchStream(send);
      return {
        create: (req) => stream.create(req, caller),
        cancel: (id) => stream.cancel(id),
        requestProgress: () => stream.requestProgress(),
        close: () => stream.close(),
      };
    },
  };
}

/** TTL of the lease etcd grants on the caller's behalf when a request names lease 0 (concurrency's session default). */
const DEFAULT_SESSION_TTL_SECONDS = 60n;

/** The caller went away; Go's context error text, with the status grpc-go gives a cancelled call. */
export class CanceledError extends Error {
  readonly code = Status.CANCELLED;
  constructor() {
    super('context canceled');
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CanceledError();
}

/** The lease a recipe attaches its key to: the caller's, or a fresh one when the caller gave none. */
export async function sessionLease(api: RecipeApi, lease: bigint): Promise<bigint> {
  if (lease !== 0n) return lease;
  const granted = await api.leaseGrant({ ID: 0n, TTL: DEFAULT_SESSION_TTL_SECONDS });
  return granted.ID;
}

/** `<prefix><lease in lower-case hex>`: one key per lease, so a lease that asks again finds its own key. */
export function contenderKey(prefix: Buffer, lease: bigint): Buffer {
  return Buffer.concat([prefix, Buffer.from(lease.toString(16))]);
}

export function rangeRequest(key: Buffer, fields: Partial<RangeRequest> = {}): RangeRequest {
  return {
    key,
    rangeEnd: Buffer.alloc(0),
    limit: 0n,
    revision: 0n,
    sortOrder: RangeRequest_SortOrder.NONE,
    sortTarget: RangeRequest_SortTarget.KEY,
    serializable: false,
    keysOnly: false,
    countOnly: false,
    minModRevision: 0n,
    maxModRevision: 0n,
    minCreateRevision: 0n,
    maxCreateRevision: 0n,
    ...fields,
  };
}

/** The oldest key under `prefix`: the lock holder, or the election leader. */
export function oldestUnder(prefix: Buffer): RangeRequest {
  return rangeRequest(prefix, {
    rangeEnd: prefixEnd(prefix),
    sortTarget: RangeRequest_SortTarget.CREATE,
    sortOrder: RangeRequest_SortOrder.ASCEND,
    limit: 1n,
  });
}

/** The youngest key under `prefix` created at or before `maxCreateRevision`. */
function youngestUpTo(prefix: Buffer, maxCreateRevision: bigint): RangeRequest {
  return rangeRequest(prefix, {
    rangeEnd: prefixEnd(prefix),
    sortTarget: RangeRequest_SortTarget.CREATE,
    sortOrder: RangeRequest_SortOrder.DESCEND,
    limit: 1n,
    maxCreateRevision,
  });
}

export function putRequest(key: Buffer, value: Buffer, lease: bigint): PutRequest {
  return { key, value, lease, prevKv: false, ignoreValue: false, ignoreLease: false };
}

export function createRevisionIs(key: Buffer, createRevision: bigint): Compare {
  return {
    result: Compare_CompareResult.EQUAL,
    target: Compare_CompareTarget.CREATE,
    key,
    createRevision,
    rangeEnd: Buffer.alloc(0),
  };
}

/** The error a watch client sees when the server ends its watcher (etcd's WatchResponse.Err). */
function canceledWatchError(resp: WatchResponse): Error {
  if (resp.compactRevision !== 0n) return new EtcdError('compacted');
  if (resp.cancelReason !== '') return new Error(resp.cancelReason);
  return new EtcdError('futureRev');
}

/**
 * Watches until `onResponse` returns true for a response, the watcher is cancelled by the server (rejects with
 * its error), or `signal` aborts (rejects with CanceledError). `onResponse` sees every response in order.
 */
export function watchUntil(
  api: WatchApi,
  create: Pick<WatchCreateRequest, 'key'> & Partial<WatchCreateRequest>,
  onResponse: (resp: WatchResponse) => boolean,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new CanceledError());
      return;
    }
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      // Closed on a later tick: finish may run inside the stream's own delivery callback.
      setImmediate(() => stream.close());
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => finish(new CanceledError());
    const stream = api.openWatchStream((resp) => {
      if (done) return;
      if (resp.canceled) finish(canceledWatchError(resp));
      else if (onResponse(resp)) finish();
    });
    signal.addEventListener('abort', onAbort);
    stream.create({
      rangeEnd: Buffer.alloc(0),
      startRevision: 0n,
      progressNotify: false,
      filters: [],
      prevKv: false,
      watchId: 0n,
      fragment: false,
      ...create,
    });
  });
}

/**
 * Waits until `key` (created at `createRevision` under `prefix`) is the oldest key under `prefix`, and returns the
 * header of the read that saw it so. Fails with `expiredMessage` as soon as `key` itself is gone (its lease expired
 * or someone deleted it): a contender whose key has vanished must not be told it won.
 */
export async function waitForTurn(
  api: RecipeApi,
  prefix: Buffer,
  key: Buffer,
  createRevision: bigint,
  signal: AbortSignal,
  expiredMessage: string,
): Promise<ResponseHeader> {
  for (;;) {
    throwIfAborted(signal);
    // One read for both questions, so the answer about `key` and the one about its elders share a revision.
    const res = await api.txn({
      compare: [],
      success: [{ requestRange: youngestUpTo(prefix, createRevision - 1n) }, { requestRange: rangeRequest(key) }],
      failure: [],
    });
    const elders = res.responses[0].responseRange?.kvs ?? [];
    const own = res.responses[1].responseRange?.kvs ?? [];
    if (own.length === 0 || own[0].createRevision !== createRevision) throw new Error(expiredMessage);
    if (elders.length === 0) return res.header!;
    const elder = elders[0].key;
    await watchUntil(
      api,
      {
        key: prefix,
        rangeEnd: prefixEnd(prefix),
        startRevision: res.header!.revision + 1n,
        filters: [WatchCreateRequest_FilterType.NOPUT],
      },
      (resp) =>
        resp.events.some(
          (ev) => ev.type === Event_EventType.DELETE && ev.kv !== undefined && (ev.kv.key.equals(elder) || ev.kv.key.equals(key)),
        ),
      signal,
    );
  }
}
