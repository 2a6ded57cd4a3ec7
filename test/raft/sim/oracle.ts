// The global observer of a simulation: it sees every node's durable writes and applies and
// fails the schedule the moment a Raft safety property is broken. Every check is incremental
// (it looks only at what one step changed) so thousands of schedules stay affordable.

import type { NodeId } from '../../../src/raft/types';
import type { Fingerprint } from './hash';

export class SafetyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetyViolation';
  }
}

export function violation(message: string): never {
  throw new SafetyViolation(message);
}

export class Oracle {
  /** The leader seen for each term. */
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** Log-prefix fingerprint of any durable log at "index:term": equal pairs must mean equal prefixes. */
  private readonly prefixAt = new Map<string, Fingerprint>();
  /** Fingerprint of the committed log at each committed index (index 0 unused). */
  private readonly committed: Fingerprint[] = [];
  /** Highest commit index any node made durable while at each term. */
  private readonly commitByTerm = new Map<number, number>();
  /** Lowest read index each pending ReadIndex context may be answered with. */
  private readonly readFloor = new Map<string, number>();
  private reads = 0;

  constructor(initialIndex: number, initialPrint: Fingerprint) {
    this.committed[initialIndex] = initialPrint;
    this.prefixAt.set(`${initialIndex}:1`, initialPrint);
  }

  get leaderTerms(): number {
    return this.leaderOfTerm.size;
  }

  get readsServed(): number {
    return this.reads;
  }

  get commitIndex(): number {
    return this.committed.length - 1;
  }

  committedAt(index: number): Fingerprint | undefined {
    return this.committed[index];
  }

  /** Returns true the first time a leader is seen for `term`. */
  observeLeader(id: NodeId, term: number): boolean {
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) {
      this.leaderOfTerm.set(term, id);
      return true;
    }
    if (known !== id) violation(`two leaders in term ${term}: ${known} and ${id}`);
    return false;
  }

  /** Log matching: entries with the same index and term have identical logs up to them. */
  observeLogPrefix(node: NodeId, index: number, term: number, print: Fingerprint): void {
    const key = `${index}:${term}`;
    const known = this.prefixAt.get(key);
    if (known === undefined) this.prefixAt.set(key, print);
    else if (known !== print) violation(`log matching: node ${node} holds a different log up to index ${index} term ${term}`);
  }

  /**
   * A node made `commit` durable at `term`; `printAt(i)` is its log fingerprint at i (undefined
   * if compacted away, in which case its snapshot vouches for it).
   */
  observeCommit(node: NodeId, term: number, commit: number, printAt: (i: number) => Fingerprint | undefined): void {
    for (let i = commit; i >= 1; i--) {
      const mine = printAt(i);
      if (mine === undefined) break;
      const known = this.committed[i];
      if (known === undefined) {
        this.committed[i] = mine;
        continue;
      }
      if (known !== mine) violation(`node ${node} committed a different entry at index ${i}`);
      break; // Fingerprints chain: agreeing here means agreeing on everything below.
    }
    if (commit > this.commitIndex) violation(`node ${node} committed ${commit} but its log does not reach it`);
    if (commit > (this.commitByTerm.get(term) ?? 0)) this.commitByTerm.set(term, commit);
  }

  /** State machine safety: every node applies the same entry at each index. */
  observeApply(node: NodeId, index: number, print: Fingerprint): void {
    const known = this.committed[index];
    if (known === undefined) violation(`node ${node} applied index ${index} before any node committed it`);
    if (known !== print) violation(`node ${node} applied a different entry at index ${index}`);
  }

  /** The highest index committed in a term before `term`: a leader of `term` must hold it. */
  committedBeforeTerm(term: number): number {
    let highest = 0;
    for (const [t, commit] of this.commitByTerm) if (t < term && commit > highest) highest = commit;
    return highest;
  }

  recordReadRequest(ctx: string): void {
    this.readFloor.set(ctx, this.commitIndex);
  }

  /** Linearizable reads: the read index covers every write committed before the read was asked. */
  observeReadState(node: NodeId, ctx: string, index: number): void {
    const floor = this.readFloor.get(ctx);
    if (floor === undefined) violation(`node ${node} got a read state for unknown context ${ctx}`);
    if (index < floor) violation(`read ${ctx} on node ${node} returned index ${index} below commit ${floor} at request time`);
    this.reads++;
  }
}
