// --auto-compaction-mode/--auto-compaction-retention, as etcd runs them on the leader:
//  periodic: keep `retention` of history, compacting every min(retention, 1h) to the revision seen `retention` ago;
//  revision: every 5 minutes, compact to (current revision - retention).
import type { Logger } from 'pino';
import { parseGoDuration } from '../config/go-values';

const HOUR_MS = 60 * 60 * 1000;
const REVISION_MODE_INTERVAL_MS = 5 * 60 * 1000;

export interface AutoCompactorHost {
  isLeader(): boolean;
  currentRevision(): number;
  compact(revision: number): Promise<unknown>;
}

export type AutoCompactionPlan =
  | { mode: 'periodic'; retentionMs: number }
  | { mode: 'revision'; retainRevisions: number }
  | undefined;

/** etcd's reading of the flags: a bare number is hours in periodic mode and revisions in revision mode; "0" is off. */
export function planAutoCompaction(mode: string, retention: string): AutoCompactionPlan {
  const text = retention.trim();
  if (text === '' || text === '0') return undefined;
  if (mode === 'revision') {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`invalid auto-compaction-retention ${JSON.stringify(retention)} for revision mode`);
    return n === 0 ? undefined : { mode: 'revision', retainRevisions: n };
  }
  const hours = Number(text);
  const retentionMs = Number.isFinite(hours) ? hours * HOUR_MS : parseGoDuration(text);
  return retentionMs > 0 ? { mode: 'periodic', retentionMs } : undefined;
}

export class AutoCompactor {
  private timer: NodeJS.Timeout | undefined;
  /** Periodic mode: revisions sampled every tick, oldest first; the first one is `retention` old once full. */
  private samples: number[] = [];
  private lastRun: number;
  private lastCompacted = 0;

  constructor(
    private readonly plan: NonNullable<AutoCompactionPlan>,
    private readonly host: AutoCompactorHost,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.lastRun = now();
  }

  start(): void {
    const tickMs = this.tickMs();
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private interval(): number {
    return this.plan.mode === 'periodic' ? Math.min(this.plan.retentionMs, HOUR_MS) : REVISION_MODE_INTERVAL_MS;
  }

  /** How often tick() runs: a tenth of the compaction interval. */
  tickMs(): number {
    return Math.max(100, Math.floor(this.interval() / 10));
  }

  /** One timer tick; public so tests can drive it with their own clock. */
  tick(): void {
    const now = this.now();
    let target: number;
    if (this.plan.mode === 'periodic') {
      this.samples.push(this.host.currentRevision());
      const keep = Math.ceil(this.plan.retentionMs / this.tickMs()) + 1;
      if (this.samples.length > keep) this.samples.shift();
      if (this.samples.length < keep) return; // not `retention` of history yet
      target = this.samples[0];
    } else {
      target = this.host.currentRevision() - this.plan.retainRevisions;
    }
    if (now - this.lastRun < this.interval() || !this.host.isLeader() || target <= this.lastCompacted || target <= 0) {
      return;
    }
    this.lastRun = now;
    this.host.compact(target).then(
      () => {
        this.lastCompacted = target;
        this.logger.info({ revision: target, mode: this.plan.mode }, 'completed auto compaction');
      },
      (err: Error) => {
        // Already compacted past it (by a client) counts as done, as in etcd.
        if (/compacted/.test(err.message)) this.lastCompacted = target;
        else this.logger.warn({ err, revision: target }, 'auto compaction failed');
      },
    );
  }
}
