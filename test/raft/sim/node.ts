// One simulated member: a RawNode over a MemoryStorage that stands for its disk. Only what a
// Ready persisted reaches the storage, so a crash (dropping the RawNode and the application's
// in-memory state) loses exactly what a real crash would. The application is a fingerprint of
// the entries applied so far, which is all the safety checks need.

import { MemoryStorage } from '../../../src/raft/memory-storage';
import { RawNode } from '../../../src/raft/raw-node';
import { ProposalDroppedError } from '../../../src/raft/errors';
import { MessageType, StateType, type ConfState, type Message, type NodeId, type Ready, type Snapshot } from '../../../src/raft/types';
import { extend, type Fingerprint } from './hash';
import { violation, type Oracle } from './oracle';
import { Prng } from './prng';

export interface SimRaftOptions {
  electionTick: number;
  heartbeatTick: number;
  checkQuorum: boolean;
  preVote: boolean;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
}

/** How far handleReady got: a crash may interrupt it right after the durable write. */
export type ReadyOutcome = 'done' | 'crashed-after-persist';

export class SimNode {
  private readonly storage = new MemoryStorage();
  private raw: RawNode | undefined;
  /** Fingerprints of the durable log: prints[k] covers the log up to index logBase + k. */
  private logBase: number;
  private prints: Fingerprint[];
  private durableTerm = 0;
  private durableVote = 0n;
  private durableCommit = 0;
  private applied = 0;
  private appliedPrint: Fingerprint = 0;
  private readonly random: () => number;

  constructor(
    readonly id: NodeId,
    readonly isLearner: boolean,
    private readonly confState: ConfState,
    private readonly options: SimRaftOptions,
    initial: Snapshot,
    prng: Prng,
  ) {
    this.storage.applySnapshot(initial);
    this.storage.setHardState({ term: initial.metadata.term, vote: 0n, commit: initial.metadata.index });
    this.durableTerm = initial.metadata.term;
    this.durableCommit = initial.metadata.index;
    this.logBase = initial.metadata.index;
    this.prints = [decodeAppState(initial.data).print];
    // The node's own timer randomness comes from the schedule's seed, so schedules replay.
    const timers = new Prng(prng.int(2 ** 31));
    this.random = () => timers.next();
    this.start();
  }

  get alive(): boolean {
    return this.raw !== undefined;
  }

  get lastIndex(): number {
    return this.logBase + this.prints.length - 1;
  }

  /** The durable log's fingerprint at `index`, or undefined outside [snapshot index, last index]. */
  printAt(index: number): Fingerprint | undefined {
    if (index < this.logBase || index > this.lastIndex) return undefined;
    return this.prints[index - this.logBase];
  }

  /** True if the durable state holds committed index `index` as `print` (directly or inside the snapshot). */
  holds(index: number, print: Fingerprint): boolean {
    return index <= this.logBase || this.printAt(index) === print;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  get appliedFingerprint(): Fingerprint {
    return this.appliedPrint;
  }

  get commitIndex(): number {
    return this.durableCommit;
  }

  /** Boots a RawNode from what the disk holds; the application restores itself from the snapshot. */
  start(): void {
    const snap = this.storage.snapshot();
    const app = decodeAppState(snap.data);
    this.applied = snap.metadata.index;
    this.appliedPrint = app.print;
    this.raw = new RawNode({
      id: this.id,
      electionTick: this.options.electionTick,
      heartbeatTick: this.options.heartbeatTick,
      storage: this.storage,
      applied: this.applied,
      maxSizePerMsg: this.options.maxSizePerMsg,
      maxInflightMsgs: this.options.maxInflightMsgs,
      checkQuorum: this.options.checkQuorum,
      preVote: this.options.preVote,
      random: this.random,
    });
  }

  crash(): void {
    this.raw = undefined;
  }

  private node(): RawNode {
    if (this.raw === undefined) throw new Error(`node ${this.id} is down`);
    return this.raw;
  }

  tick(): void {
    this.node().tick();
  }

  /** A forwarded proposal the leader cannot take is refused with ProposalDroppedError, as etcd's Step returns it. */
  step(m: Message): void {
    try {
      this.node().step(m);
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
  }

  propose(data: Uint8Array): void {
    try {
      this.node().propose(data);
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
  }

  readIndex(ctx: Uint8Array): void {
    this.node().readIndex(ctx);
  }

  transferLeader(to: NodeId): void {
    this.node().transferLeader(to);
  }

  campaign(): void {
    this.node().campaign();
  }

  reportUnreachable(id: NodeId): void {
    this.node().reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.node().reportSnapshot(id, ok);
  }

  hasReady(): boolean {
    return this.raw !== undefined && this.raw.hasReady();
  }

  /** The node's role and term as Raft sees them right now. */
  role(): { state: StateType; term: number } {
    const st = this.node().status();
    return { state: st.softState.state, term: st.hardState.term };
  }

  get isLeader(): boolean {
    return this.raw !== undefined && this.role().state === StateType.Leader;
  }

  /**
   * Runs one Ready through the contract: persist, then send, then apply, then advance.
   * With `crashAfterPersist` the node dies between the durable write and everything after it.
   */
  handleReady(oracle: Oracle, send: (msgs: Message[]) => void, crashAfterPersist: boolean): ReadyOutcome {
    const rd = this.node().ready();
    this.persist(rd, oracle);
    if (crashAfterPersist) {
      this.crash();
      return 'crashed-after-persist';
    }
    if (this.isLearner) checkLearnerMessages(this.id, rd.messages);
    send(rd.messages);
    this.apply(rd, oracle);
    this.node().advance(rd);
    this.checkLeaderCompleteness(oracle);
    return 'done';
  }

  private persist(rd: Ready, oracle: Oracle): void {
    if (rd.snapshot && rd.snapshot.metadata.index > 0) {
      const { index, term } = rd.snapshot.metadata;
      const print = decodeAppState(rd.snapshot.data).print;
      if (oracle.committedAt(index) !== print) violation(`node ${this.id} received a snapshot at ${index} that differs from the committed log`);
      this.storage.applySnapshot(rd.snapshot);
      this.logBase = index;
      this.prints = [print];
      oracle.observeLogPrefix(this.id, index, term, print);
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0].index;
      if (first <= this.logBase || first > this.lastIndex + 1) {
        violation(`node ${this.id} got entries from ${first} for a log spanning ${this.logBase}..${this.lastIndex}`);
      }
      if (first <= this.durableCommit) violation(`node ${this.id} overwrote committed index ${first} (commit ${this.durableCommit})`);
      this.storage.append(rd.entries);
      this.prints.length = first - this.logBase;
      for (const e of rd.entries) {
        const print = extend(this.prints[this.prints.length - 1], e.term, e.data);
        this.prints.push(print);
        oracle.observeLogPrefix(this.id, e.index, e.term, print);
      }
    }
    if (rd.hardState) {
      const hs = rd.hardState;
      if (hs.term < this.durableTerm) violation(`node ${this.id} term went back from ${this.durableTerm} to ${hs.term}`);
      if (hs.term === this.durableTerm && this.durableVote !== 0n && hs.vote !== this.durableVote) {
        violation(`node ${this.id} changed its vote in term ${hs.term} from ${this.durableVote} to ${hs.vote}`);
      }
      if (hs.commit < this.durableCommit) violation(`node ${this.id} commit went back from ${this.durableCommit} to ${hs.commit}`);
      this.storage.setHardState(hs);
      this.durableTerm = hs.term;
      this.durableVote = hs.vote;
      this.durableCommit = hs.commit;
      oracle.observeCommit(this.id, hs.term, hs.commit, (i) => this.printAt(i));
    }
  }

  private apply(rd: Ready, oracle: Oracle): void {
    if (rd.snapshot && rd.snapshot.metadata.index > 0) {
      this.applied = rd.snapshot.metadata.index;
      this.appliedPrint = decodeAppState(rd.snapshot.data).print;
    }
    for (const e of rd.committedEntries) {
      if (e.index !== this.applied + 1) violation(`node ${this.id} was handed index ${e.index} to apply after ${this.applied}`);
      if (e.index > this.durableCommit) violation(`node ${this.id} applied ${e.index} beyond its durable commit ${this.durableCommit}`);
      this.applied = e.index;
      this.appliedPrint = extend(this.appliedPrint, e.term, e.data);
      oracle.observeApply(this.id, e.index, this.appliedPrint);
    }
    for (const rs of rd.readStates) oracle.observeReadState(this.id, new TextDecoder().decode(rs.requestCtx), rs.index);
  }

  /** With nothing unpersisted left, a leader's durable log is its whole log: it must hold all earlier commits. */
  private checkLeaderCompleteness(oracle: Oracle): void {
    const { state, term } = this.role();
    if (state !== StateType.Leader) return;
    const needed = oracle.committedBeforeTerm(term);
    const print = oracle.committedAt(needed);
    if (print !== undefined && !this.holds(needed, print)) {
      violation(`leader ${this.id} of term ${term} lacks index ${needed}, committed in an earlier term`);
    }
  }

  /** The application snapshots its state at the applied index and drops some of the log before it. */
  compact(prng: Prng): void {
    if (this.applied <= this.storage.snapshot().metadata.index) return;
    this.storage.createSnapshot(this.applied, this.confState, encodeAppState(this.appliedPrint));
    const upTo = Math.max(this.logBase + 1, this.applied - prng.int(3));
    if (upTo > this.applied) return;
    this.storage.compact(upTo);
    this.prints = this.prints.slice(upTo - this.logBase);
    this.logBase = upTo;
  }
}

/** Learners take no part in elections: they never ask for votes and never grant one. */
function checkLearnerMessages(id: NodeId, msgs: Message[]): void {
  for (const m of msgs) {
    const asks = m.type === MessageType.Vote || m.type === MessageType.PreVote;
    const grants = (m.type === MessageType.VoteResp || m.type === MessageType.PreVoteResp) && !m.reject;
    if (asks || grants) violation(`learner ${id} sent ${MessageType[m.type]} (reject=${m.reject}) to ${m.to}`);
  }
}

/** The application's snapshot is just the fingerprint of what it applied. */
export function encodeAppState(print: Fingerprint): Uint8Array {
  return new TextEncoder().encode(String(print));
}

function decodeAppState(data: Uint8Array): { print: Fingerprint } {
  return { print: Number(new TextDecoder().decode(data)) };
}
