// A lease kept alive in the background for as long as a lock or election holds it (clientv3's concurrency Session).
import type { LeaseGrantResponse, LeaseKeepAliveResponse } from '../../../gen/etcdserverpb/rpc';
import { grpcError, type Connection } from '../connection';

export class Session {
  private timer: NodeJS.Timeout | undefined;
  private readonly stream: ReturnType<Connection['lease']['leaseKeepAlive']>;
  /** Resolves if the lease is lost (expired, revoked, or the stream failed). */
  readonly lost: Promise<void>;

  private constructor(
    private readonly conn: Connection,
    readonly leaseId: bigint,
    ttl: bigint,
  ) {
    this.stream = conn.lease.leaseKeepAlive(conn.callMetadata());
    let markLost: () => void = () => undefined;
    this.lost = new Promise((resolve) => (markLost = resolve));
    const renewEvery = Math.max(500, (Number(ttl) * 1000) / 3);
    const schedule = (): void => {
      this.timer = setTimeout(() => this.stream.write({ ID: leaseId }), renewEvery);
    };
    this.stream.on('data', (r: LeaseKeepAliveResponse) => {
      if (r.TTL <= 0n) markLost();
      else schedule();
    });
    this.stream.on('error', () => markLost());
    schedule();
  }

  static async create(conn: Connection, ttlSeconds: number): Promise<Session> {
    const res = await conn
      .unary<LeaseGrantResponse>((md, o, cb) => conn.lease.leaseGrant({ TTL: BigInt(ttlSeconds), ID: 0n }, md, o, cb))
      .catch((e) => Promise.reject(grpcError(e)));
    return new Session(conn, res.ID, res.TTL);
  }

  /** Stops renewing and revokes the lease, releasing whatever it holds. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.stream.cancel();
    await this.conn.unary((md, o, cb) => this.conn.lease.leaseRevoke({ ID: this.leaseId }, md, o, cb)).catch(() => undefined);
  }
}
