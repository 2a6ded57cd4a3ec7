export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/**
 * A ring of the last indexes of App messages in flight to one follower. Bounding it keeps a
 * leader from flooding a slow follower; acknowledgements free the slots in order.
 */
export class Inflights {
  private readonly buf: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }

  add(lastIndex: number): void {
    if (this.full()) throw new Error('raft: inflights window overflow');
    this.buf[(this.start + this.count) % this.size] = lastIndex;
    this.count++;
  }

  /** Frees every message whose last index is <= to. */
  freeLE(to: number): void {
    let idx = this.start;
    let freed = 0;
    while (freed < this.count && this.buf[idx] <= to) {
      freed++;
      idx = (idx + 1) % this.size;
    }
    this.count -= freed;
    this.start = this.count === 0 ? 0 : idx;
  }

  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.buf[this.start]);
  }

  full(): boolean {
    return this.count === this.size;
  }

  get length(): number {
    return this.count;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}

/**
 * What the leader knows about one follower's log. In `probe` it sends one App per heartbeat
 * interval until it finds where the logs match; in `replicate` it streams optimistically within
 * the inflights window; in `snapshot` it waits for a snapshot to be delivered.
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Index of the snapshot in flight while in `snapshot` state. */
  pendingSnapshot = 0;
  /** Heard from within the current check-quorum period. */
  recentActive = false;
  /** In `probe`, an App has been sent and not yet answered. */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, public isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  /** Forgets everything learned about the follower, as a new term starts. */
  restart(next: number): void {
    this.resetState('probe');
    this.match = 0;
    this.next = next;
    this.recentActive = false;
  }

  becomeProbe(): void {
    // Coming back from a snapshot, the follower holds at least the snapshot's entries.
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** Records an acknowledgement up to n; false if it told us nothing new (a stale or duplicate reply). */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  /** After sending up to n in `replicate`, assume success so the next message can follow at once. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * Handles a rejection of the App that was sent at index `rejected`. matchHint is the highest
   * index the logs may still agree at. Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
