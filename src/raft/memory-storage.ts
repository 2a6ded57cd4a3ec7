import { limitSize } from './entries';
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors';
import { ConfState, Entry, EntryType, HardState, LogStorage, NONE, Snapshot } from './types';

const EMPTY = new Uint8Array(0);

/**
 * LogStorage held in memory. ents[0] is a placeholder standing for the last entry covered by the
 * snapshot (its index and term), so term() works one below firstIndex() as Raft requires.
 */
export class MemoryStorage implements LogStorage {
  private hardState: HardState = { term: 0, vote: NONE, commit: 0 };
  private snap: Snapshot = { metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: EMPTY };
  private ents: Entry[] = [placeholder(0, 0)];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: this.snap.metadata.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.ents[0].index;
    if (lo <= offset) throw new CompactedError();
    if (hi > this.lastIndex() + 1 || lo > hi) throw new UnavailableError();
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(i: number): number {
    const offset = this.ents[0].index;
    if (i < offset) throw new CompactedError();
    if (i - offset >= this.ents.length) throw new UnavailableError();
    return this.ents[i - offset].term;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log by a snapshot received from the leader (or loaded on restart). */
  applySnapshot(s: Snapshot): void {
    if (this.snap.metadata.index >= s.metadata.index) throw new SnapshotOutOfDateError();
    this.snap = s;
    this.ents = [placeholder(s.metadata.index, s.metadata.term)];
  }

  /** Records the application's state at index i as the current snapshot; the log is kept until compact(). */
  createSnapshot(i: number, cs: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    if (i > this.lastIndex()) throw new UnavailableError();
    const term = this.ents[i - this.ents[0].index].term;
    this.snap = {
      metadata: { index: i, term, confState: { voters: [...cs.voters], learners: [...cs.learners] } },
      data,
    };
    return this.snap;
  }

  /** Drops entries up to and including compactIndex; the caller must have a snapshot covering them. */
  compact(compactIndex: number): void {
    const offset = this.ents[0].index;
    if (compactIndex <= offset) throw new CompactedError();
    if (compactIndex > this.lastIndex()) throw new UnavailableError();
    const i = compactIndex - offset;
    const kept = [placeholder(this.ents[i].index, this.ents[i].term)];
    for (let j = i + 1; j < this.ents.length; j++) kept.push(this.ents[j]);
    this.ents = kept;
  }

  /** Appends entries that Raft handed out in a Ready, replacing any conflicting suffix. */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0].index + entries.length - 1;
    if (last < first) return;
    let from = 0;
    if (first > entries[0].index) from = first - entries[0].index;
    const start = entries[from].index - this.ents[0].index;
    if (start > this.ents.length) {
      throw new Error(`raft: missing log entries [last ${this.lastIndex()}, append at ${entries[from].index}]`);
    }
    this.ents.length = start;
    for (let j = from; j < entries.length; j++) this.ents.push(entries[j]);
  }
}

function placeholder(index: number, term: number): Entry {
  return { term, index, type: EntryType.Normal, data: EMPTY };
}
