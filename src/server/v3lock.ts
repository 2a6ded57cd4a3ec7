// etcd's Lock service (v3lockpb.Lock): a distributed mutex built, as etcd builds it, from the client-side recipe.
// Locking name N with lease L writes the key "N/<L in hex>" with lease L and waits for every older key under "N/";
// the key is the proof of ownership that Unlock takes back. Clients (etcdctl lock) that run the same recipe over
// the KV API contend in the same queue.
import type { Caller } from './api';
import type { LockRequest, LockResponse, UnlockRequest, UnlockResponse } from '../gen/v3lockpb/v3lock';
import {
  actingFor,
  contenderKey,
  createRevisionIs,
  oldestUnder,
  putRequest,
  rangeRequest,
  sessionLease,
  waitForTurn,
  type RecipeApi,
} from './prefix-queue';

/**
 * Returned when the waiter's key disappears (its lease expired) before its turn. etcd 3.4 would still grant such a
 * lock once the holder left, to a key nobody holds; etcd 3.5 refuses it with this text, and so do we.
 */
export const LOCK_SESSION_EXPIRED = 'mutex: session is expired';

export class V3Lock {
  constructor(private readonly api: RecipeApi) {}

  /**
   * Resolves once the caller holds the lock; `signal` abandons the wait and withdraws the caller's key. Every
   * read and write is checked against `caller`'s permissions, as etcd's embedded client forwards the token.
   */
  async lock(req: LockRequest, signal: AbortSignal = new AbortController().signal, caller?: Caller): Promise<LockResponse> {
    const api = actingFor(this.api, caller);
    const lease = await sessionLease(api, req.lease);
    const prefix = Buffer.concat([req.name, Buffer.from('/')]);
    const key = contenderKey(prefix, lease);
    // Join the queue unless this lease already has a key there, and learn the holder in the same round trip.
    const res = await api.txn({
      compare: [createRevisionIs(key, 0n)],
      success: [{ requestPut: putRequest(key, Buffer.alloc(0), lease) }, { requestRange: oldestUnder(prefix) }],
      failure: [{ requestRange: rangeRequest(key) }, { requestRange: oldestUnder(prefix) }],
    });
    const myRevision = res.succeeded ? res.header!.revision : res.responses[0].responseRange!.kvs[0].createRevision;
    const holder = res.responses[1].responseRange?.kvs ?? [];
    if (holder.length === 0 || holder[0].createRevision === myRevision) return { header: res.header, key };

    try {
      const header = await waitForTurn(api, prefix, key, myRevision, signal, LOCK_SESSION_EXPIRED);
      return { header, key };
    } catch (err) {
      // Leave no stale key behind to block the waiters queued after this one.
      await api.deleteRange({ key, rangeEnd: Buffer.alloc(0), prevKv: false }).catch(() => undefined);
      throw err;
    }
  }

  async unlock(req: UnlockRequest, caller?: Caller): Promise<UnlockResponse> {
    const res = await actingFor(this.api, caller).deleteRange({ key: req.key, rangeEnd: Buffer.alloc(0), prevKv: false });
    return { header: res.header };
  }
}
