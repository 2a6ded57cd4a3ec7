// Linearizable reads, batched as etcd batches them: all reads that arrive while one ReadIndex round is in flight
// share the next round, and each round's readers are released once the applied index reaches its read index.
import { EtcdError } from './errors';

export interface ReadIndexHost {
  /** Asks Raft for a read index; throws if no leader is known. */
  requestReadIndex(ctx: Uint8Array): void;
  appliedIndex(): number;
}

interface Round {
  ctx: bigint;
  readers: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
  sentAt: number;
}

export class LinearizableReads {
  private nextCtx = 1n;
  private inFlight: Round | undefined;
  private queued: Round['readers'] = [];
  /** Rounds confirmed by the leader, waiting for apply to catch up, in index order. */
  private confirmed: Array<{ index: number; readers: Round['readers'] }> = [];
  private readonly retry: NodeJS.Timeout;

  constructor(
    private readonly host: ReadIndexHost,
    private readonly retryMs: number,
    private readonly timeoutMs: number,
  ) {
    // A round can be lost (leader change, dropped message): resend it, and give up on readers past the timeout.
    this.retry = setInterval(() => this.resendLostRound(Date.now()), retryMs);
    this.retry.unref();
  }

  /** Resolves when a read served from local state is linearizable. */
  wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ resolve, reject });
      if (!this.inFlight) this.startRound();
    });
  }

  /** Raft answered: ctx names the round, index is the commit index it may read at. */
  onReadState(ctx: Uint8Array, index: number): void {
    const round = this.inFlight;
    if (!round || ctx.length !== 8 || Buffer.from(ctx.buffer, ctx.byteOffset, 8).readBigUInt64BE(0) !== round.ctx) return;
    this.inFlight = undefined;
    if (this.host.appliedIndex() >= index) for (const r of round.readers) r.resolve();
    else this.confirmed.push({ index, readers: round.readers });
    if (this.queued.length > 0) this.startRound();
  }

  /** Call after each apply. */
  onApplied(applied: number): void {
    while (this.confirmed.length > 0 && this.confirmed[0].index <= applied) {
      for (const r of this.confirmed.shift()!.readers) r.resolve();
    }
  }

  close(): void {
    clearInterval(this.retry);
    const err = new EtcdError('stopped');
    for (const r of this.allReaders()) r.reject(err);
    this.inFlight = undefined;
    this.queued = [];
    this.confirmed = [];
  }

  private startRound(): void {
    const round: Round = { ctx: this.nextCtx++, readers: this.queued, sentAt: Date.now() };
    this.queued = [];
    this.inFlight = round;
    this.send(round);
  }

  private send(round: Round): void {
    const ctx = Buffer.alloc(8);
    ctx.writeBigUInt64BE(round.ctx);
    try {
      this.host.requestReadIndex(ctx);
    } catch {
      // No leader: etcd's readers fail at once rather than hang.
      this.inFlight = undefined;
      for (const r of round.readers) r.reject(new EtcdError('noLeader'));
    }
  }

  private resendLostRound(now: number): void {
    const round = this.inFlight;
    if (!round || now - round.sentAt < this.retryMs) return;
    if (now - round.sentAt >= this.timeoutMs) {
      this.inFlight = undefined;
      for (const r of round.readers) r.reject(new EtcdError('timeout'));
      if (this.queued.length > 0) this.startRound();
      return;
    }
    // A fresh ctx, so a late answer to the lost request cannot release readers early.
    round.ctx = this.nextCtx++;
    this.send(round);
  }

  private *allReaders(): Iterable<Round['readers'][number]> {
    if (this.inFlight) yield* this.inFlight.readers;
    yield* this.queued;
    for (const c of this.confirmed) yield* c.readers;
  }
}
