import { limitSize } from './entries';
import { CompactedError, UnavailableError } from './errors';
import { Entry, LogStorage, Snapshot } from './types';

/**
 * Entries (and possibly a snapshot) that Raft has accepted but the caller has not yet persisted.
 * `offset` is the index of entries[0]; the tail is always contiguous with the stable log.
 */
class Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];

  constructor(public offset: number) {}

  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.metadata.index + 1 : undefined;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.metadata.index : undefined;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.metadata.index === i) return this.snapshot.metadata.term;
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset].term;
  }

  stableTo(i: number, t: number): void {
    // A term mismatch means the entry was replaced after the Ready was cut: keep it unstable.
    if (i < this.offset || this.maybeTerm(i) !== t) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.metadata.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: Entry[]): void {
    const after = ents[0].index;
    if (after === this.offset + this.entries.length) {
      for (const e of ents) this.entries.push(e);
    } else if (after <= this.offset) {
      // Replaces the whole unstable tail; the stable log below is truncated when the caller persists.
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset);
      for (const e of ents) this.entries.push(e);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

/** The Raft log: the caller's durable storage plus the unstable tail, with commit and apply cursors. */
export class RaftLog {
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(readonly storage: LogStorage, private readonly maxNextEntsSize: number) {
    const first = storage.firstIndex();
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term of entry i; 0 outside the log; throws CompactedError below the snapshot. */
  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return 0;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    return this.storage.term(i);
  }

  /** term(i), with compacted entries reported as term 0. */
  termOrZero(i: number): number {
    try {
      return this.term(i);
    } catch (err) {
      if (err instanceof CompactedError) return 0;
      throw err;
    }
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  matchTerm(i: number, t: number): boolean {
    try {
      return this.term(i) === t;
    } catch {
      return false;
    }
  }

  /** A candidate's log ending at (lasti, term) is at least as up to date as ours (§5.4.1). */
  isUpToDate(lasti: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lasti >= this.lastIndex());
  }

  /**
   * Appends entries the leader sent after (index, logTerm) if our log matches there.
   * Returns the index of the last new entry, or -1 on mismatch.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number {
    if (!this.matchTerm(index, logTerm)) return -1;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) throw new Error(`raft: entry ${ci} conflicts with committed entry ${this.committed}`);
      this.append(ci === index + 1 ? ents : ents.slice(ci - index - 1));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    if (ents[0].index - 1 < this.committed) {
      throw new Error(`raft: append after ${ents[0].index - 1} is below committed ${this.committed}`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** Index of the first entry that is new or disagrees with ours; 0 if we hold all of them. */
  private findConflict(ents: Entry[]): number {
    const last = this.lastIndex();
    for (const e of ents) {
      if (e.index > last || !this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= index whose term is <= term. Used on both sides of a rejected App to skip
   * a whole term of divergent entries per round trip instead of one entry.
   */
  findConflictByTerm(index: number, term: number): number {
    if (index > this.lastIndex()) return index;
    for (;;) {
      let t: number;
      try {
        t = this.term(index);
      } catch {
        return index;
      }
      if (t <= term) return index;
      index--;
    }
  }

  commitTo(toCommit: number): void {
    if (this.committed >= toCommit) return;
    if (this.lastIndex() < toCommit) {
      throw new Error(`raft: commit ${toCommit} is beyond the last index ${this.lastIndex()}`);
    }
    this.committed = toCommit;
  }

  /** Commits maxIndex only if it is from `term`: earlier-term entries commit indirectly (§5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new Error(`raft: applied ${i} is out of range [${this.applied}, ${this.committed}]`);
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.slice();
  }

  hasNextEnts(): boolean {
    return this.committed + 1 > Math.max(this.applied + 1, this.firstIndex());
  }

  /** Committed entries not yet applied, bounded by the configured batch size. */
  nextEnts(): Entry[] {
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= off) return [];
    return this.slice(off, this.committed + 1, this.maxNextEntsSize);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Entries from i to the end, at most maxBytes (but at least one). */
  entries(i: number, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  /** Entries [lo, hi); throws CompactedError if lo was compacted away. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo < this.firstIndex()) throw new CompactedError();
    if (hi > this.lastIndex() + 1 || lo > hi) throw new UnavailableError();
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    let ents: Entry[] = [];
    if (lo < offset) {
      const stableHi = Math.min(hi, offset);
      ents = this.storage.entries(lo, stableHi, maxBytes);
      // Storage cut the batch short on size: the unstable part would not fit either.
      if (ents.length < stableHi - lo) return ents;
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      ents = ents.length > 0 ? ents.concat(tail) : tail;
    }
    return limitSize(ents, maxBytes);
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }
}
