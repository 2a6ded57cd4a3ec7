// Proposals in flight on this member: each waits, under a request ID, for its entry to be applied.
// A proposal whose entry never comes back (lost in a leader change) fails with etcd's timeout error.
import { EtcdError } from './errors';

interface Waiter<T> {
  request: T;
  deadline: number;
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

export class ProposalRegistry<T> {
  private readonly waiting = new Map<bigint, Waiter<T>>();
  private readonly prefix: bigint;
  private counter: bigint;
  private readonly sweeper: NodeJS.Timeout;

  /**
   * IDs are unique across members and restarts, as etcd's idutil makes them: the member ID's low 16 bits,
   * then a counter started from the clock.
   */
  constructor(
    memberId: bigint,
    private readonly timeoutMs: number,
  ) {
    this.prefix = (memberId & 0xffffn) << 48n;
    this.counter = (BigInt(Date.now()) << 8n) & 0xffff_ffff_ffffn;
    // Map iteration follows insertion, which is deadline order: the sweep stops at the first live waiter.
    this.sweeper = setInterval(() => this.expire(Date.now()), Math.min(500, timeoutMs));
    this.sweeper.unref();
  }

  /** Proposals waiting for their entry to be applied. */
  get pending(): number {
    return this.waiting.size;
  }

  nextId(): bigint {
    this.counter = (this.counter + 1n) & 0xffff_ffff_ffffn;
    return this.prefix | this.counter;
  }

  wait<R>(id: bigint, request: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(id, {
        request,
        deadline: Date.now() + this.timeoutMs,
        resolve: resolve as (r: unknown) => void,
        reject,
      });
    });
  }

  /** The request as proposed here, so applying a local entry does not decode it again. */
  requestOf(id: bigint): T | undefined {
    return this.waiting.get(id)?.request;
  }

  resolve(id: bigint, result: unknown): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    w.resolve(result);
  }

  reject(id: bigint, err: unknown): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    w.reject(err);
  }

  failAll(err: unknown): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  close(): void {
    clearInterval(this.sweeper);
    this.failAll(new EtcdError('stopped'));
  }

  private expire(now: number): void {
    for (const [id, w] of this.waiting) {
      if (w.deadline > now) break;
      this.waiting.delete(id);
      w.reject(new EtcdError('timeout'));
    }
  }
}
