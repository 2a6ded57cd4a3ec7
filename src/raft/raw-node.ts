import { encodeConfChange } from './confchange';
import { ProposalDroppedError } from './errors';
import { ProgressState } from './progress';
import { Raft, RaftConfig, newMessage } from './raft';
import {
  ConfChange,
  ConfState,
  Entry,
  EntryType,
  HardState,
  Message,
  MessageType,
  NONE,
  NodeId,
  Ready,
  SoftState,
  StateType,
} from './types';

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  isLearner: boolean;
}

export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  leadTransferee: NodeId;
  /** Only on the leader. */
  progress?: Map<NodeId, ProgressStatus>;
}

/** Message types that only this node may generate; the network must not inject them. */
function isLocalMessage(t: MessageType): boolean {
  return t === MessageType.Hup || t === MessageType.Beat || t === MessageType.Unreachable ||
    t === MessageType.SnapStatus || t === MessageType.CheckQuorum;
}

function isResponseMessage(t: MessageType): boolean {
  return t === MessageType.AppResp || t === MessageType.VoteResp || t === MessageType.HeartbeatResp ||
    t === MessageType.PreVoteResp;
}

/**
 * The application's handle on one Raft node. Drive it with tick() and step(), collect work with
 * ready(), and acknowledge each Ready with advance() once it has been persisted, sent and applied.
 */
export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;

  constructor(cfg: RaftConfig) {
    this.raft = new Raft(cfg);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  /**
   * Starts a brand-new cluster on empty storage. The initial members are written as committed
   * ConfChange entries 1..n of term 1 (as etcd does) and take effect at once; the first Ready hands
   * them out like any other entries, and applying them again via applyConfChange is harmless.
   */
  static bootstrap(cfg: RaftConfig, peers: NodeId[]): RawNode {
    if (peers.length === 0) throw new Error('raft: bootstrap needs at least one peer');
    if (cfg.storage.lastIndex() !== 0 || cfg.storage.initialState().hardState.term !== 0) {
      throw new Error('raft: bootstrap on non-empty storage');
    }
    const rn = new RawNode(cfg);
    rn.raft.bootstrap(peers);
    return rn;
  }

  tick(): void {
    this.raft.tick();
  }

  campaign(): void {
    const m = newMessage(MessageType.Hup, this.raft.id);
    m.from = this.raft.id;
    this.raft.step(m);
  }

  propose(data: Uint8Array): void {
    this.proposeEntry({ term: 0, index: 0, type: EntryType.Normal, data });
  }

  proposeConfChange(cc: ConfChange): void {
    this.proposeEntry({ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) });
  }

  private proposeEntry(e: Entry): void {
    const m = newMessage(MessageType.Prop, NONE);
    m.from = this.raft.id;
    m.entries = [e];
    this.raft.step(m);
  }

  /** Delivers a message from the network. Local-only types and answers from unknown peers are ignored. */
  step(m: Message): void {
    if (isLocalMessage(m.type)) return;
    if (isResponseMessage(m.type) && !this.raft.prs.has(m.from)) return;
    this.raft.step(m);
  }

  readIndex(ctx: Uint8Array): void {
    if (this.raft.lead === NONE) throw new ProposalDroppedError('raft read index dropped: no leader');
    const m = newMessage(MessageType.ReadIndex, NONE);
    m.from = this.raft.id;
    m.context = ctx;
    this.raft.step(m);
  }

  transferLeader(to: NodeId): void {
    const m = newMessage(MessageType.TransferLeader, NONE);
    m.from = to;
    this.raft.step(m);
  }

  /** The configuration in force: what a snapshot taken now must record. */
  confState(): ConfState {
    return this.raft.confState();
  }

  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  reportUnreachable(id: NodeId): void {
    const m = newMessage(MessageType.Unreachable, this.raft.id);
    m.from = id;
    this.raft.step(m);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const m = newMessage(MessageType.SnapStatus, this.raft.id);
    m.from = id;
    m.reject = !ok;
    this.raft.step(m);
  }

  hasReady(): boolean {
    const r = this.raft;
    const soft = this.prevSoftState;
    if (r.lead !== soft.lead || r.state !== soft.state) return true;
    const hard = this.prevHardState;
    if (r.term !== hard.term || r.vote !== hard.vote || r.log.committed !== hard.commit) return true;
    if (r.log.unstable.snapshot !== undefined) return true;
    if (r.appendsPending || r.msgs.length > 0 || r.readStates.length > 0 || r.log.unstable.entries.length > 0) return true;
    return r.log.hasNextEnts();
  }

  ready(): Ready {
    const r = this.raft;
    r.flushAppends();
    const rd: Ready = {
      readStates: r.readStates,
      entries: r.log.unstableEntries(),
      committedEntries: r.log.nextEnts(),
      messages: r.msgs,
      mustSync: false,
    };
    const soft = r.softState();
    if (!softStateEqual(soft, this.prevSoftState)) {
      rd.softState = soft;
      this.prevSoftState = soft;
    }
    const hard = r.hardState();
    if (!hardStateEqual(hard, this.prevHardState)) rd.hardState = hard;
    const snap = r.log.unstable.snapshot;
    if (snap !== undefined) rd.snapshot = snap;
    // Only a new commit index may be written lazily: it can be recomputed after a crash.
    rd.mustSync = rd.entries.length > 0 || snap !== undefined ||
      hard.term !== this.prevHardState.term || hard.vote !== this.prevHardState.vote;
    r.msgs = [];
    r.readStates = [];
    return rd;
  }

  advance(rd: Ready): void {
    const log = this.raft.log;
    if (rd.hardState !== undefined) this.prevHardState = rd.hardState;
    const n = rd.committedEntries.length;
    if (n > 0) log.appliedTo(rd.committedEntries[n - 1].index);
    else if (rd.snapshot !== undefined) log.appliedTo(rd.snapshot.metadata.index);
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      log.stableTo(last.index, last.term);
    }
    if (rd.snapshot !== undefined) log.stableSnapTo(rd.snapshot.metadata.index);
  }

  status(): Status {
    const r = this.raft;
    const st: Status = {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.log.applied,
      leadTransferee: r.leadTransferee,
    };
    if (r.state === StateType.Leader) {
      st.progress = new Map();
      for (const [id, pr] of r.prs.progress) {
        st.progress.set(id, { match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner });
      }
    }
    return st;
  }
}

function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.state === b.state;
}

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
