// The leader's lease duties, on a timer: revoke expired leases and checkpoint remaining TTLs, both through Raft
// so every member applies the same decision.
import type { Logger } from 'pino';
import type { Lessor } from '../lease/lessor';
import type { EtcdServer } from './etcd-server';
import type { RaftNode } from './raft-node';

const CHECK_INTERVAL_MS = 500;

export class LeaseTimers {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: EtcdServer,
    private readonly lessor: Lessor,
    private readonly raft: RaftNode,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.run(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private run(): void {
    if (!this.raft.isLeader) return;
    for (const id of this.lessor.expired()) {
      this.server.propose({ leaseRevoke: { ID: id } }).catch((err) => {
        // Another revoke (or a client's) may have won the race; the lessor offers the lease again if not.
        this.logger.debug({ err, lease: id.toString(16) }, 'revoking an expired lease failed');
      });
    }
    const due = this.lessor.dueCheckpoints();
    if (due.length > 0) {
      const checkpoints = due.map((c) => ({ ID: c.id, remainingTTL: BigInt(c.remainingTtl) }));
      this.server.propose({ leaseCheckpoint: { checkpoints } }).catch((err) => {
        this.logger.debug({ err }, 'lease checkpoint failed');
      });
    }
  }
}
