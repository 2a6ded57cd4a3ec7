// An in-memory WatchSource for watch tests: a log of events with revisions, optional compaction, and a gate that
// holds history reads so tests can interleave writes with a catch-up deterministically.
import { Event_EventType, type Event, type KeyValue } from '../../src/gen/mvccpb/kv';
import type { WatchSource } from '../../src/mvcc/watchable-store';

export class FakeSource implements WatchSource {
  currentRevision = 1;
  compactRevision = -1;
  readonly log: Event[] = [];
  historyReads = 0;
  private readonly latest = new Map<string, KeyValue>();
  private listeners: Array<(events: Event[], revision: number) => void> = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  onEvents(listener: (events: Event[], revision: number) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** One write transaction: puts (value given) and deletes (value null) at the next revision. */
  txn(changes: Array<[string, string | null]>): number {
    const rev = ++this.currentRevision;
    const events: Event[] = [];
    for (const [name, value] of changes) {
      const prev = this.latest.get(name);
      if (value === null) {
        if (prev === undefined) continue;
        this.latest.delete(name);
        const kv = { key: Buffer.from(name), createRevision: 0n, modRevision: BigInt(rev), version: 0n, value: Buffer.alloc(0), lease: 0n };
        events.push({ type: Event_EventType.DELETE, kv, prevKv: prev });
        continue;
      }
      const kv: KeyValue = {
        key: Buffer.from(name),
        createRevision: prev?.createRevision ?? BigInt(rev),
        modRevision: BigInt(rev),
        version: (prev?.version ?? 0n) + 1n,
        value: Buffer.from(value),
        lease: 0n,
      };
      this.latest.set(name, kv);
      events.push({ type: Event_EventType.PUT, kv, prevKv: prev });
    }
    this.log.push(...events);
    for (const listener of this.listeners) listener(events, rev);
    return rev;
  }

  put(name: string, value: string): number {
    return this.txn([[name, value]]);
  }

  holdHistory(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  releaseHistory(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  async eventsSince(startRev: number, endRev: number): Promise<Event[]> {
    this.historyReads++;
    const snapshot = this.log.filter((ev) => {
      const rev = Number(ev.kv?.modRevision);
      return rev >= startRev && rev <= endRev;
    });
    if (this.gate !== undefined) await this.gate;
    // Checked after the gate: a compaction during the read makes it fail, as it can with the real store.
    if (startRev < this.compactRevision) throw new Error('mvcc: required revision has been compacted');
    // History carries no prevKv, like the real store.
    return snapshot.map((ev) => ({ type: ev.type, kv: ev.kv }));
  }

  range(key: Buffer, _rangeEnd: Buffer | undefined, opts: { revision?: number }): Promise<{ kvs: KeyValue[] }> {
    const at = opts.revision ?? this.currentRevision;
    let found: KeyValue | undefined;
    for (const ev of this.log) {
      if (ev.kv === undefined || !ev.kv.key.equals(key) || Number(ev.kv.modRevision) > at) continue;
      found = ev.type === Event_EventType.PUT ? ev.kv : undefined;
    }
    return Promise.resolve({ kvs: found === undefined ? [] : [found] });
  }
}

/** Resolves once `cond` holds, polling on the event loop; fails the test after `ms`. */
export async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
