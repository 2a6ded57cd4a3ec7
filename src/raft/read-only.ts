import { Message, NodeId } from './types';

export interface ReadIndexStatus {
  /** The commit index when the request arrived: the read is linearizable once applied reaches it. */
  index: number;
  req: Message;
  acks: Set<NodeId>;
}

/**
 * Pending ReadIndex requests at a leader. Each waits for a heartbeat round carrying its context
 * to be acknowledged by a majority, which proves no newer leader had been elected when it arrived.
 * Requests are answered in arrival order: an ack for a later one also confirms every earlier one.
 */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  addRequest(index: number, m: Message): void {
    const key = ctxKey(m.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { index, req: m, acks: new Set() });
    this.queue.push(key);
  }

  /** Records that `id` acknowledged the heartbeat carrying ctx; returns who has so far, if ctx is pending. */
  recvAck(id: NodeId, ctx: Uint8Array): Set<NodeId> | undefined {
    const rs = this.pending.get(ctxKey(ctx));
    if (rs === undefined) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns every request up to and including the one with ctx. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = ctxKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done: ReadIndexStatus[] = [];
    for (let i = 0; i <= at; i++) {
      const k = this.queue[i];
      const rs = this.pending.get(k);
      if (rs === undefined) throw new Error('raft: read-only queue and pending map disagree');
      this.pending.delete(k);
      done.push(rs);
    }
    this.queue = this.queue.slice(at + 1);
    return done;
  }

  lastPendingRequestCtx(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1])?.req.context;
  }
}

function ctxKey(ctx: Uint8Array | undefined): string {
  if (ctx === undefined) return '';
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.length).toString('latin1');
}
