// etcd's Election service (v3electionpb.Election), built like etcd's from the client-side election recipe:
// campaigning for election N with lease L writes "N/<L in hex>" (value = the proposal) and waits for every older
// candidate key to go; the oldest key under "N/" is the leader. The LeaderKey a campaign returns (key + create
// revision) is the proof the leader shows to proclaim or resign, so a stale leader cannot overwrite a newer one.
import type { ResponseHeader } from '../gen/etcdserverpb/rpc';
import { prefixEnd } from '../mvcc/key-range';
import type { Caller } from './api';
import { Event_EventType, type KeyValue } from '../gen/mvccpb/kv';
import type {
  CampaignRequest,
  CampaignResponse,
  LeaderKey,
  LeaderRequest,
  LeaderResponse,
  ProclaimRequest,
  ProclaimResponse,
  ResignRequest,
  ResignResponse,
} from '../gen/v3electionpb/v3election';
import {
  actingFor,
  contenderKey,
  createRevisionIs,
  oldestUnder,
  putRequest,
  rangeRequest,
  sessionLease,
  waitForTurn,
  watchUntil,
  type RecipeApi,
} from './prefix-queue';

// etcd's texts (v3election and clientv3/concurrency); each reaches the client with status UNKNOWN.
export const ELECTION_NOT_LEADER = 'election: not leader';
export const ELECTION_NO_LEADER = 'election: no leader';
export const MISSING_LEADER_KEY = '"leader" field must be provided';
/**
 * Returned when a candidate's key disappears (its lease expired) before it was elected. etcd (3.4 and later) would
 * still report such a candidate elected once the leader left; the text is ours, shaped like the mutex's.
 */
export const ELECTION_SESSION_EXPIRED = 'election: session is expired';

export class V3Election {
  constructor(private readonly api: RecipeApi) {}

  /**
   * Resolves once elected; `signal` abandons the campaign and withdraws the candidacy. Here and below, every read
   * and write is checked against `caller`'s permissions, as etcd's embedded client forwards the token.
   */
  async campaign(
    req: CampaignRequest,
    signal: AbortSignal = new AbortController().signal,
    caller?: Caller,
  ): Promise<CampaignResponse> {
    const api = actingFor(this.api, caller);
    const lease = await sessionLease(api, req.lease);
    const prefix = electionPrefix(req.name);
    const key = contenderKey(prefix, lease);
    const res = await api.txn({
      compare: [createRevisionIs(key, 0n)],
      success: [{ requestPut: putRequest(key, req.value, lease) }],
      failure: [{ requestRange: rangeRequest(key) }],
    });
    let rev = res.header!.revision;
    if (!res.succeeded) {
      // This lease is already a candidate: keep its place in the queue and bring its proposal up to date.
      const existing = res.responses[0].responseRange!.kvs[0];
      rev = existing.createRevision;
      if (!existing.value.equals(req.value)) {
        try {
          await proclaimAs(api, key, rev, lease, req.value);
        } catch (err) {
          await resignAs(api, key, rev).catch(() => undefined);
          throw err;
        }
      }
    }

    try {
      await waitForTurn(api, prefix, key, rev, signal, ELECTION_SESSION_EXPIRED);
    } catch (err) {
      // A caller who gave up withdraws; a candidate that failed otherwise keeps its key, as etcd's recipe does.
      if (signal.aborted) await resignAs(api, key, rev).catch(() => undefined);
      throw err;
    }
    // etcd answers with the header of the write that entered the campaign, not of the moment of election.
    return { header: res.header, leader: { name: req.name, key, rev, lease } };
  }

  async proclaim(req: ProclaimRequest, caller?: Caller): Promise<ProclaimResponse> {
    const api = actingFor(this.api, caller);
    const leader = requireLeader(req.leader);
    // A LeaderKey without a lease gets a fresh one, as etcd's server-side session does.
    const lease = await sessionLease(api, leader.lease);
    return { header: await proclaimAs(api, leader.key, leader.rev, lease, req.value) };
  }

  async resign(req: ResignRequest, caller?: Caller): Promise<ResignResponse> {
    const leader = requireLeader(req.leader);
    return { header: await resignAs(actingFor(this.api, caller), leader.key, leader.rev) };
  }

  async leader(req: LeaderRequest, caller?: Caller): Promise<LeaderResponse> {
    const res = await actingFor(this.api, caller).range(oldestUnder(electionPrefix(req.name)));
    if (res.kvs.length === 0) throw new Error(ELECTION_NO_LEADER);
    return { header: res.header, kv: res.kvs[0] };
  }

  /**
   * Reports the current leader's proposal, then every later proposal, through `send` until `signal` aborts.
   * Resolves (the stream ends normally) when reading or watching fails, as etcd's observer does.
   */
  async observe(
    req: LeaderRequest,
    send: (resp: LeaderResponse) => void,
    signal: AbortSignal,
    caller?: Caller,
  ): Promise<void> {
    const api = actingFor(this.api, caller);
    const prefix = electionPrefix(req.name);
    try {
      while (!signal.aborted) {
        const res = await api.range(oldestUnder(prefix));
        const current = res.kvs.length > 0 ? { header: res.header!, kv: res.kvs[0] } : await firstProposal(api, prefix, res.header!, signal);
        send(current);
        // Follow this leader's proposals until its key is deleted, then look for the next leader.
        await watchUntil(
          api,
          { key: current.kv.key, startRevision: current.header.revision + 1n },
          (resp) => {
            for (const ev of resp.events) {
              if (ev.type === Event_EventType.DELETE) return true;
              send({ header: resp.header, kv: ev.kv });
            }
            return false;
          },
          signal,
        );
      }
    } catch {
      // Any failure, cancellation included, ends the observation.
    }
  }
}

/** Waits for the first key written under an empty election's prefix; its writer is the new leader. */
async function firstProposal(
  api: RecipeApi,
  prefix: Buffer,
  seen: ResponseHeader,
  signal: AbortSignal,
): Promise<{ header: ResponseHeader; kv: KeyValue }> {
  let found: { header: ResponseHeader; kv: KeyValue } | undefined;
  await watchUntil(
    api,
    { key: prefix, rangeEnd: prefixEnd(prefix), startRevision: seen.revision },
    (resp) => {
      const put = resp.events.find((ev) => ev.type === Event_EventType.PUT && ev.kv !== undefined);
      if (put === undefined) return false;
      // The response may carry several revisions; the header is made to name the proposal's own.
      found = { header: { ...resp.header!, revision: put.kv!.modRevision }, kv: put.kv! };
      return true;
    },
    signal,
  );
  return found!;
}

async function proclaimAs(api: RecipeApi, key: Buffer, rev: bigint, lease: bigint, value: Buffer): Promise<ResponseHeader | undefined> {
  const res = await api.txn({
    compare: [createRevisionIs(key, rev)],
    success: [{ requestPut: putRequest(key, value, lease) }],
    failure: [],
  });
  if (!res.succeeded) throw new Error(ELECTION_NOT_LEADER);
  return res.header;
}

/** Deletes the leader key if it is still the one that was elected; resigning twice is not an error. */
async function resignAs(api: RecipeApi, key: Buffer, rev: bigint): Promise<ResponseHeader | undefined> {
  const res = await api.txn({
    compare: [createRevisionIs(key, rev)],
    success: [{ requestDeleteRange: { key, rangeEnd: Buffer.alloc(0), prevKv: false } }],
    failure: [],
  });
  return res.header;
}

function electionPrefix(name: Buffer): Buffer {
  return Buffer.concat([name, Buffer.from('/')]);
}

function requireLeader(leader: LeaderKey | undefined): LeaderKey {
  if (leader === undefined) throw new Error(MISSING_LEADER_KEY);
  return leader;
}
