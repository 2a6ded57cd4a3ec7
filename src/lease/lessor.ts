// The lessor: which leases exist and (on the leader only) when each expires. Which keys hang off a lease is the
// MVCC store's to say (MvccStore.keysWithLease): the keys carry their lease id.
//
// Everything that changes replicated state (grant, revoke, checkpoint) is called by the apply loop while it applies
// a Raft entry, so every member holds the same leases. Expiry is local to the leader:
// followers keep every lease alive forever, and a member that becomes leader restarts all clocks (promote). The
// lessor owns no timers: the server asks it periodically which leases have expired and which checkpoints are due,
// and proposes LeaseRevoke / LeaseCheckpoint entries for them.
import { LeaseExistsError, LeaseNotFoundError, LeaseTTLTooLargeError, NotPrimaryError } from './errors';
import { LEASE_BUCKET, decodeLeaseRecord, encodeLeaseRecord, leaseRecordKey } from './lease-record';

export const NO_LEASE = 0n;

/** Largest TTL, in seconds, a lease may be granted with (etcd's limit). */
export const MAX_LEASE_TTL = 9_000_000_000;

/** How many leases may be revoked per second; the server should ask `expired()` for half of it every 500ms. */
export const LEASE_REVOKE_RATE = 1000;

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5 * 60 * 1000;

/** How long an expired lease handed out by `expired()` is held back before it is offered again (revoke may fail). */
export const DEFAULT_EXPIRED_RETRY_MS = 3000;

/**
 * etcd's floor on lease TTLs: a lease must outlive a leader election, otherwise a leader change would expire it.
 * It is 1.5 election timeouts, rounded up to whole seconds.
 */
export function minLeaseTtl(electionTicks: number, heartbeatMs: number): number {
  return Math.ceil((Math.floor((3 * electionTicks) / 2) * heartbeatMs) / 1000);
}

/** Where leases persist: the MVCC store's meta buckets, written in the same batch as the entry that changed them. */
export interface LeaseBackend {
  putMeta(bucket: string, key: Buffer, value: Buffer): void;
  deleteMeta(bucket: string, key: Buffer): void;
  iterateMeta(bucket: string): Iterable<[Buffer, Buffer]> | AsyncIterable<[Buffer, Buffer]>;
}

export interface LessorOptions {
  backend: LeaseBackend;
  /** Monotonic clock in milliseconds. */
  now: () => number;
  /** Shorter requested TTLs are raised to this many seconds (see minLeaseTtl). */
  minTtl?: number;
  /** When false, `dueCheckpoints()` never returns anything (etcd's default in 3.4). */
  checkpointing?: boolean;
  checkpointIntervalMs?: number;
  expiredRetryMs?: number;
}

export interface LeaseCheckpointEntry {
  id: bigint;
  remainingTtl: number;
}

export interface LeaseStatus {
  id: bigint;
  grantedTtl: number;
  /** Whole seconds left, truncated like etcd; may be 0 or negative for an expired lease awaiting revocation. */
  remainingTtl: number;
}

class Lease {
  /** Remaining TTL from the last applied checkpoint; 0 means none, use the full TTL. */
  checkpointedTtl = 0;
  /** Expiry in ms on the leader's clock; Infinity while this member is not the leader. */
  expiry = Infinity;
  nextCheckpointAt = Infinity;
  /** Before this time `expired()` does not offer the lease again: its revocation is presumably in flight. */
  retryExpiredAt = 0;
  /** Keep-alives that arrived after expiry wait for the revocation (or a leader change) to answer. */
  waiters: Array<(err: Error) => void> = [];

  constructor(
    readonly id: bigint,
    readonly ttl: number,
  ) {}

  /** The TTL a fresh expiry clock starts from: the checkpointed remainder when there is one. */
  startingTtl(): number {
    return this.checkpointedTtl > 0 ? this.checkpointedTtl : this.ttl;
  }

  failWaiters(err: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const fail of waiters) fail(err);
  }
}

export class Lessor {
  private readonly backend: LeaseBackend;
  private readonly now: () => number;
  private readonly minTtl: number;
  private readonly checkpointing: boolean;
  private readonly checkpointIntervalMs: number;
  private readonly expiredRetryMs: number;
  private readonly leaseById = new Map<bigint, Lease>();
  /** Checkpoints that reset a renewed lease's remainder to "full TTL", proposed with the next due batch. */
  private pendingResets: bigint[] = [];
  private primary = false;

  constructor(opts: LessorOptions) {
    this.backend = opts.backend;
    this.now = opts.now;
    this.minTtl = opts.minTtl ?? 0;
    this.checkpointing = opts.checkpointing ?? true;
    this.checkpointIntervalMs = opts.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
    this.expiredRetryMs = opts.expiredRetryMs ?? DEFAULT_EXPIRED_RETRY_MS;
  }

  /** A lessor holding the leases persisted in `opts.backend`. */
  static async open(opts: LessorOptions): Promise<Lessor> {
    const lessor = new Lessor(opts);
    await lessor.recover();
    return lessor;
  }

  /** Reloads all leases from the backend, e.g. after a Raft snapshot replaced the store. */
  async recover(): Promise<void> {
    for (const lease of this.leaseById.values()) lease.failWaiters(new NotPrimaryError());
    this.leaseById.clear();
    this.pendingResets = [];
    for await (const [, value] of this.backend.iterateMeta(LEASE_BUCKET)) {
      const record = decodeLeaseRecord(value);
      const lease = new Lease(record.id, Math.max(record.ttl, this.minTtl));
      lease.checkpointedTtl = record.remainingTtl;
      this.leaseById.set(lease.id, lease);
    }
    if (this.primary) this.restartClocks(0);
  }

  get isPrimary(): boolean {
    return this.primary;
  }

  has(id: bigint): boolean {
    return this.leaseById.has(id);
  }

  /** Applies a LeaseGrant. Returns the TTL actually granted (raised to the minimum). */
  grant(id: bigint, ttl: number): { id: bigint; ttl: number } {
    // etcd refuses id 0 this way: the server must have picked an id before proposing.
    if (id === NO_LEASE) throw new LeaseNotFoundError();
    if (ttl > MAX_LEASE_TTL) throw new LeaseTTLTooLargeError();
    if (this.leaseById.has(id)) throw new LeaseExistsError();
    const lease = new Lease(id, Math.max(ttl, this.minTtl));
    this.leaseById.set(id, lease);
    if (this.primary) {
      lease.expiry = this.now() + lease.ttl * 1000;
      this.scheduleCheckpoint(lease);
    }
    this.persist(lease);
    return { id, ttl: lease.ttl };
  }

  /** Applies a LeaseRevoke: forgets the lease (the apply loop deletes its keys in the same write transaction). */
  revoke(id: bigint): void {
    const lease = this.leaseById.get(id);
    if (lease === undefined) throw new LeaseNotFoundError();
    this.leaseById.delete(id);
    this.backend.deleteMeta(LEASE_BUCKET, leaseRecordKey(id));
    lease.failWaiters(new LeaseNotFoundError());
  }

  /** Applies one LeaseCheckpoint entry; unknown leases are ignored (they may have been revoked since). */
  checkpoint(id: bigint, remainingTtl: number): void {
    const lease = this.leaseById.get(id);
    if (lease === undefined) return;
    lease.checkpointedTtl = remainingTtl;
    this.persist(lease);
    if (this.primary) this.scheduleCheckpoint(lease);
  }

  /**
   * A keep-alive, served by the leader without Raft: restarts the lease's clock at its full TTL and returns that
   * TTL. A lease already past its expiry is not revived: the answer waits for its revocation (not found) or for
   * this member to lose leadership (not primary), as in etcd.
   */
  renew(id: bigint): Promise<number> {
    if (!this.primary) return Promise.reject(new NotPrimaryError());
    const lease = this.leaseById.get(id);
    if (lease === undefined) return Promise.reject(new LeaseNotFoundError());
    const now = this.now();
    if (lease.expiry <= now) {
      return new Promise<number>((_, reject) => lease.waiters.push(reject));
    }
    // A checkpointed remainder would shorten the lease after the next leader change; replicate its reset.
    if (this.checkpointing && lease.checkpointedTtl > 0 && !this.pendingResets.includes(id)) {
      this.pendingResets.push(id);
    }
    lease.expiry = now + lease.ttl * 1000;
    return Promise.resolve(lease.ttl);
  }

  /** LeaseTimeToLive, answered by the leader only (a follower has no expiry clock and must forward). */
  timeToLive(id: bigint): LeaseStatus {
    if (!this.primary) throw new NotPrimaryError();
    const lease = this.leaseById.get(id);
    if (lease === undefined) throw new LeaseNotFoundError();
    return {
      id,
      grantedTtl: lease.ttl,
      remainingTtl: Math.trunc((lease.expiry - this.now()) / 1000),
    };
  }

  /** Every lease id, ascending. */
  leases(): bigint[] {
    return [...this.leaseById.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * Leases past their expiry that the leader should propose to revoke, at most `limit`. A lease handed out is
   * held back for the retry interval, then offered again if its revocation has not been applied by then.
   */
  expired(limit = LEASE_REVOKE_RATE / 2): bigint[] {
    if (!this.primary) return [];
    const now = this.now();
    const out: bigint[] = [];
    for (const lease of this.leaseById.values()) {
      if (out.length >= limit) break;
      if (lease.expiry > now || lease.retryExpiredAt > now) continue;
      lease.retryExpiredAt = now + this.expiredRetryMs;
      out.push(lease.id);
    }
    return out;
  }

  /**
   * Checkpoints the leader should propose now (as one LeaseCheckpointRequest), at most `limit`: each lease with a
   * TTL longer than the checkpoint interval records its remaining TTL once per interval, so a new leader or a
   * restarted member resumes from there instead of the full TTL.
   */
  dueCheckpoints(limit = 1000): LeaseCheckpointEntry[] {
    if (!this.primary || !this.checkpointing) return [];
    const now = this.now();
    const out: LeaseCheckpointEntry[] = [];
    while (this.pendingResets.length > 0 && out.length < limit) {
      const id = this.pendingResets.shift() as bigint;
      if (this.leaseById.has(id)) out.push({ id, remainingTtl: 0 });
    }
    for (const lease of this.leaseById.values()) {
      if (out.length >= limit) break;
      if (lease.nextCheckpointAt > now) continue;
      lease.nextCheckpointAt = Infinity;
      if (now >= lease.expiry) continue;
      const remainingTtl = Math.ceil((lease.expiry - now) / 1000);
      if (remainingTtl >= lease.ttl) continue;
      out.push({ id: lease.id, remainingTtl });
    }
    return out;
  }

  /**
   * This member became leader and has applied every entry of earlier terms: start every lease's clock from its
   * checkpointed remainder (or full TTL) plus `extendMs` (etcd uses the election timeout), so clients get a chance
   * to reach the new leader before anything expires.
   */
  promote(extendMs: number): void {
    this.primary = true;
    this.restartClocks(extendMs);
  }

  /** This member lost leadership: stop tracking expiry; pending keep-alives fail so clients retry elsewhere. */
  demote(): void {
    this.primary = false;
    this.pendingResets = [];
    for (const lease of this.leaseById.values()) {
      lease.expiry = Infinity;
      lease.nextCheckpointAt = Infinity;
      lease.retryExpiredAt = 0;
      lease.failWaiters(new NotPrimaryError());
    }
  }

  private restartClocks(extendMs: number): void {
    const now = this.now();
    for (const lease of this.leaseById.values()) {
      lease.expiry = now + extendMs + lease.startingTtl() * 1000;
      lease.retryExpiredAt = 0;
      this.scheduleCheckpoint(lease);
    }
    this.spreadExpiries(now, extendMs);
  }

  /**
   * With many leases, a leader change can line up thousands of expiries in the same second; push the excess into
   * later seconds so no second needs more than 3/4 of the revoke rate (same policy as etcd).
   */
  private spreadExpiries(now: number, extendMs: number): void {
    if (this.leaseById.size < LEASE_REVOKE_RATE) return;
    const leases = [...this.leaseById.values()].sort((a, b) => a.expiry - b.expiry);
    const targetPerSecond = Math.floor((3 * LEASE_REVOKE_RATE) / 4);
    let baseWindow = leases[0].expiry - now;
    let nextWindow = baseWindow + 1000;
    let inWindow = 0;
    for (const lease of leases) {
      const remaining = lease.expiry - now;
      if (remaining > nextWindow) {
        baseWindow = remaining;
        nextWindow = baseWindow + 1000;
        inWindow = 1;
        continue;
      }
      inWindow++;
      if (inWindow <= targetPerSecond) continue;
      const delay = 1000 * (inWindow / targetPerSecond) - (remaining - baseWindow);
      nextWindow = baseWindow + delay;
      lease.expiry = now + delay + extendMs + lease.startingTtl() * 1000;
      this.scheduleCheckpoint(lease);
    }
  }

  private scheduleCheckpoint(lease: Lease): void {
    if (!this.checkpointing) return;
    if (lease.startingTtl() * 1000 > this.checkpointIntervalMs) {
      lease.nextCheckpointAt = this.now() + this.checkpointIntervalMs;
    }
  }

  private persist(lease: Lease): void {
    this.backend.putMeta(
      LEASE_BUCKET,
      leaseRecordKey(lease.id),
      encodeLeaseRecord({ id: lease.id, ttl: lease.ttl, remainingTtl: lease.checkpointedTtl }),
    );
  }
}
