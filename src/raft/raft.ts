import { decodeConfChange, encodeConfChange } from './confchange';
import {
  CompactedError,
  ConfChangePendingError,
  ProposalDroppedError,
  SnapshotTemporarilyUnavailableError,
} from './errors';
import { RaftLog } from './log';
import { seededRandom } from './prng';
import { ReadOnly } from './read-only';
import { ProgressTracker, VoteResult } from './tracker';
import {
  ConfChange,
  ConfChangeType,
  ConfState,
  Entry,
  EntryType,
  HardState,
  LogStorage,
  Message,
  MessageType,
  NONE,
  NodeId,
  ReadState,
  Snapshot,
  SoftState,
  StateType,
} from './types';

export interface RaftConfig {
  id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns (randomized up to twice this). */
  electionTick: number;
  /** Ticks between a leader's heartbeats; must be smaller than electionTick. */
  heartbeatTick: number;
  storage: LogStorage;
  /** Last index the application applied before a restart; committed entries after it are handed out again. */
  applied?: number;
  /** Byte budget of the entries in one App message (default 1 MiB). */
  maxSizePerMsg?: number;
  /** App messages in flight to one follower while replicating (default 256). */
  maxInflightMsgs?: number;
  checkQuorum?: boolean;
  preVote?: boolean;
  /** Source of [0,1) for randomized election timeouts; default: a PRNG seeded from id. */
  random?: () => number;
  /** Byte budget of Ready.committedEntries (default maxSizePerMsg). */
  maxCommittedSizePerReady?: number;
}

const EMPTY = new Uint8Array(0);
/** Marks the vote requests of a campaign started by TimeoutNow, which may break a leader's lease. */
const CAMPAIGN_TRANSFER = new TextEncoder().encode('CampaignTransfer');

enum CampaignType {
  PreElection,
  Election,
  Transfer,
}

export function newMessage(type: MessageType, to: NodeId): Message {
  return {
    type,
    to,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    snapshot: undefined,
    reject: false,
    rejectHint: 0,
    context: undefined,
  };
}

function isTransferCampaign(ctx: Uint8Array | undefined): boolean {
  if (ctx === undefined || ctx.length !== CAMPAIGN_TRANSFER.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== CAMPAIGN_TRANSFER[i]) return false;
  return true;
}

function voteRespType(t: MessageType): MessageType {
  return t === MessageType.PreVote ? MessageType.PreVoteResp : MessageType.VoteResp;
}

/**
 * The Raft state machine. Input arrives through step() and tick(); output accumulates in `msgs`,
 * `readStates` and the log's unstable part, which RawNode hands to the caller as a Ready.
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state = StateType.Follower;
  readonly log: RaftLog;
  prs: ProgressTracker;
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee: NodeId = NONE;
  /** Index of the latest ConfChange the leader appended; a new one waits until it is applied. */
  pendingConfIndex = 0;
  electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readOnly = new ReadOnly();
  /** ReadIndex requests that arrived before this leader committed an entry of its own term. */
  private pendingReadIndexMessages: Message[] = [];
  /** Proposals were appended but not yet broadcast (see flushAppends). */
  appendsPending = false;
  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly checkQuorum: boolean;
  private readonly preVote: boolean;
  private readonly maxMsgSize: number;
  private readonly maxInflight: number;
  private readonly random: () => number;

  constructor(cfg: RaftConfig) {
    if (cfg.id === NONE) throw new Error('raft: id must not be zero');
    if (cfg.heartbeatTick <= 0) throw new Error('raft: heartbeatTick must be greater than 0');
    if (cfg.electionTick <= cfg.heartbeatTick) throw new Error('raft: electionTick must be greater than heartbeatTick');
    this.id = cfg.id;
    this.electionTimeout = cfg.electionTick;
    this.heartbeatTimeout = cfg.heartbeatTick;
    this.checkQuorum = cfg.checkQuorum ?? false;
    this.preVote = cfg.preVote ?? false;
    this.maxMsgSize = cfg.maxSizePerMsg ?? 1024 * 1024;
    this.maxInflight = cfg.maxInflightMsgs ?? 256;
    if (this.maxInflight <= 0) throw new Error('raft: maxInflightMsgs must be greater than 0');
    this.random = cfg.random ?? seededRandom(cfg.id);
    this.log = new RaftLog(cfg.storage, cfg.maxCommittedSizePerReady ?? this.maxMsgSize);
    const { hardState, confState } = cfg.storage.initialState();
    this.prs = this.trackerFor(confState);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) this.loadState(hardState);
    const applied = cfg.applied ?? 0;
    if (applied > this.log.applied) {
      // The commit index is persisted without fsync, so it may trail what the application applied
      // before a crash; anything applied was committed.
      if (applied > this.log.committed && applied <= this.log.lastIndex()) this.log.committed = applied;
      this.replayConfChanges(applied);
      this.log.appliedTo(applied);
    }
    this.becomeFollower(this.term, NONE);
  }

  private trackerFor(cs: ConfState): ProgressTracker {
    const prs = new ProgressTracker(this.maxInflight);
    const next = this.log.lastIndex() + 1;
    for (const id of cs.voters) prs.add(id, false, next);
    for (const id of cs.learners) prs.add(id, true, next);
    return prs;
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.log.committed || hs.commit > this.log.lastIndex()) {
      throw new Error(`raft: commit ${hs.commit} is out of range [${this.log.committed}, ${this.log.lastIndex()}]`);
    }
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  /**
   * On restart the storage's confState only covers the snapshot; ConfChange entries after it that
   * the application already applied (up to `applied`) will not be handed out again, so their
   * effect is rebuilt here.
   */
  private replayConfChanges(applied: number): void {
    const first = this.log.firstIndex();
    if (applied < first) return;
    for (const e of this.log.slice(first, applied + 1, Infinity)) {
      if (e.type === EntryType.ConfChange) this.applyConfChange(decodeConfChange(e.data));
    }
  }

  /** Starts a brand-new cluster: the initial members become ConfChange entries 1..n, committed at term 1. */
  bootstrap(peers: NodeId[]): void {
    this.becomeFollower(1, NONE);
    const ents: Entry[] = peers.map((id, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId: id, context: EMPTY }),
    }));
    this.log.append(ents);
    this.log.committed = ents.length;
    for (const id of peers) this.applyConfChange({ type: ConfChangeType.AddNode, nodeId: id, context: EMPTY });
  }

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Only voters campaign: learners and removed (or not yet added) nodes wait to be told. */
  promotable(): boolean {
    return this.prs.voters.has(this.id);
  }

  private send(m: Message): void {
    m.from = this.id;
    if (m.type === MessageType.Vote || m.type === MessageType.VoteResp ||
        m.type === MessageType.PreVote || m.type === MessageType.PreVoteResp) {
      if (m.term === 0) throw new Error(`raft: term must be set on ${MessageType[m.type]}`);
    } else if (m.type !== MessageType.Prop && m.type !== MessageType.ReadIndex) {
      // Forwarded proposals and read requests keep term 0 so the leader treats them as local.
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Passes a request to the leader unchanged, keeping its origin (a ReadIndex answer goes back there). */
  private forwardToLeader(m: Message): void {
    const fwd: Message = { ...m, to: this.lead };
    if (fwd.from === NONE) fwd.from = this.id;
    if (m.type === MessageType.TransferLeader) fwd.term = this.term;
    this.msgs.push(fwd);
  }

  // ---- replication (leader) ----

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends the entries `to` is missing (or a snapshot if they were compacted). With sendIfEmpty
   * false nothing is sent when there are no new entries. Returns whether a message was sent.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    let prevTerm = 0;
    let ents: Entry[] = [];
    let compacted = false;
    try {
      prevTerm = this.log.term(pr.next - 1);
      ents = this.log.entries(pr.next, this.maxMsgSize);
    } catch (err) {
      if (!(err instanceof CompactedError)) throw err;
      compacted = true;
    }
    if (!compacted && ents.length === 0 && !sendIfEmpty) return false;

    if (compacted) {
      if (!pr.recentActive) return false;
      let snap: Snapshot;
      try {
        snap = this.log.snapshot();
      } catch (err) {
        if (err instanceof SnapshotTemporarilyUnavailableError) return false;
        throw err;
      }
      if (snap.metadata.index === 0) throw new Error('raft: need a non-empty snapshot');
      const m = newMessage(MessageType.Snap, to);
      m.snapshot = snap;
      pr.becomeSnapshot(snap.metadata.index);
      this.send(m);
      return true;
    }

    const m = newMessage(MessageType.App, to);
    m.index = pr.next - 1;
    m.logTerm = prevTerm;
    m.entries = ents;
    m.commit = this.log.committed;
    const n = ents.length;
    if (n > 0) {
      if (pr.state === 'replicate') {
        const last = ents[n - 1].index;
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else if (pr.state === 'probe') {
        pr.probeSent = true;
      }
    }
    this.send(m);
    return true;
  }

  private sendHeartbeat(to: NodeId, ctx: Uint8Array | undefined): void {
    const pr = this.prs.get(to);
    const m = newMessage(MessageType.Heartbeat, to);
    // Never tell a follower to commit past what it is known to hold.
    m.commit = Math.min(pr ? pr.match : 0, this.log.committed);
    m.context = ctx;
    this.send(m);
  }

  private bcastAppend(): void {
    this.appendsPending = false;
    for (const id of this.prs.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(ctx: Uint8Array | undefined): void {
    for (const id of this.prs.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  private maybeCommit(): boolean {
    return this.log.maybeCommit(this.prs.committed(), this.term);
  }

  private appendEntries(ents: Entry[]): void {
    const li = this.log.lastIndex();
    for (let i = 0; i < ents.length; i++) {
      ents[i].term = this.term;
      ents[i].index = li + 1 + i;
    }
    this.log.append(ents);
    this.prs.get(this.id)?.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
  }

  // ---- state transitions ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.random() * this.electionTimeout);
    this.leadTransferee = NONE;
    this.prs.resetVotes();
    const last = this.log.lastIndex();
    for (const [id, pr] of this.prs.progress) {
      pr.restart(last + 1);
      if (id === this.id) pr.match = last;
    }
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
  }

  private becomeCandidate(): void {
    if (this.state === StateType.Leader) throw new Error('raft: invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
  }

  /** A pre-candidate asks for votes for term+1 without incrementing its own term or vote (§9.6). */
  private becomePreCandidate(): void {
    if (this.state === StateType.Leader) throw new Error('raft: invalid transition [leader -> pre-candidate]');
    this.prs.resetVotes();
    this.lead = NONE;
    this.state = StateType.PreCandidate;
  }

  private becomeLeader(): void {
    if (this.state === StateType.Follower) throw new Error('raft: invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    const self = this.prs.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Any ConfChange in the log may still be unapplied; wait for all of it before accepting another.
    this.pendingConfIndex = this.log.lastIndex();
    // The no-op of the new term: entries of earlier terms can only commit once one of ours does.
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }]);
  }

  // ---- ticks ----

  tick(): void {
    if (this.state === StateType.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(this.localMessage(MessageType.Hup));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(this.localMessage(MessageType.CheckQuorum));
      // A transfer that has not finished within an election timeout is abandoned.
      if (this.state === StateType.Leader && this.leadTransferee !== NONE) this.leadTransferee = NONE;
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(this.localMessage(MessageType.Beat));
    }
  }

  private localMessage(type: MessageType): Message {
    const m = newMessage(type, this.id);
    m.from = this.id;
    return m;
  }

  // ---- elections ----

  private hup(t: CampaignType): void {
    if (this.state === StateType.Leader) return;
    if (!this.promotable()) return;
    // A ConfChange that is committed but not applied may change who we must ask for votes.
    if (this.hasUnappliedConfChanges()) return;
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    if (this.log.committed < lo) return false;
    for (const e of this.log.slice(lo, this.log.committed + 1, Infinity)) {
      if (e.type === EntryType.ConfChange) return true;
    }
    return false;
  }

  private campaign(t: CampaignType): void {
    let voteType: MessageType;
    let term: number;
    if (t === CampaignType.PreElection) {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === VoteResult.Won) {
      // A single-voter cluster wins at once.
      if (t === CampaignType.PreElection) this.campaign(CampaignType.Election);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.prs.voters) {
      if (id === this.id) continue;
      const m = newMessage(voteType, id);
      m.term = term;
      m.index = lastIndex;
      m.logTerm = lastTerm;
      if (t === CampaignType.Transfer) m.context = CAMPAIGN_TRANSFER;
      this.send(m);
    }
  }

  private poll(id: NodeId, granted: boolean): VoteResult {
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes();
  }

  // ---- input ----

  step(m: Message): void {
    if (m.term === 0) {
      // Local message (or a forwarded proposal / read request): no term checks.
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = isTransferCampaign(m.context);
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        // While we hear from a live leader, a disruptive candidate is ignored without raising our term.
        if (!force && inLease) return;
      }
      if (m.type === MessageType.PreVote) {
        // Pre-votes never change our term.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // A granted pre-vote carries the future term; we move to it only once a quorum grants.
      } else if (m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
        // A stale leader cut off from us would otherwise never learn of the new term: with check-quorum
        // or pre-vote our higher term does not reach it through elections.
        this.send(newMessage(MessageType.AppResp, m.from));
      } else if (m.type === MessageType.PreVote) {
        const resp = newMessage(MessageType.PreVoteResp, m.from);
        resp.term = this.term;
        resp.reject = true;
        this.send(resp);
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.preVote ? CampaignType.PreElection : CampaignType.Election);
        return;
      case MessageType.Vote:
      case MessageType.PreVote: {
        const canVote = this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === MessageType.PreVote && m.term > this.term);
        const resp = newMessage(voteRespType(m.type), m.from);
        if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
          // The grant carries the candidate's term so it is counted even where our term is older.
          resp.term = m.term;
          this.send(resp);
          if (m.type === MessageType.Vote) {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          resp.term = this.term;
          resp.reject = true;
          this.send(resp);
        }
        return;
      }
    }
    switch (this.state) {
      case StateType.Leader:
        this.stepLeader(m);
        return;
      case StateType.Candidate:
      case StateType.PreCandidate:
        this.stepCandidate(m);
        return;
      case StateType.Follower:
        this.stepFollower(m);
        return;
    }
  }

  /** A proposal we cannot take: the local caller hears about it, a forwarding peer does not. */
  private dropProposal(m: Message, reason: string): void {
    if (m.from === this.id || m.from === NONE) throw new ProposalDroppedError(reason);
  }

  private isRemoved(): boolean {
    return this.prs.progress.size > 0 && !this.prs.has(this.id);
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat(this.readOnly.lastPendingRequestCtx());
        return;
      case MessageType.CheckQuorum:
        if (!this.prs.quorumActive(this.id)) this.becomeFollower(this.term, NONE);
        for (const [id, pr] of this.prs.progress) if (id !== this.id) pr.recentActive = false;
        return;
      case MessageType.Prop:
        this.leaderPropose(m);
        return;
      case MessageType.ReadIndex:
        this.leaderReadIndex(m);
        return;
    }

    const pr = this.prs.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case MessageType.AppResp:
        pr.recentActive = true;
        if (m.reject) {
          let next = m.rejectHint;
          if (m.logTerm > 0) next = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
          if (pr.maybeDecrTo(m.index, next)) {
            if (pr.state === 'replicate') pr.becomeProbe();
            this.sendAppend(m.from);
          }
          return;
        }
        {
          const wasPaused = pr.isPaused();
          if (!pr.maybeUpdate(m.index)) return;
          if (pr.state === 'probe') {
            pr.becomeReplicate();
          } else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
            pr.becomeProbe();
            pr.becomeReplicate();
          } else if (pr.state === 'replicate') {
            pr.inflights.freeLE(m.index);
          }
          if (this.maybeCommit()) {
            this.releasePendingReadIndexMessages();
            this.bcastAppend();
          } else if (wasPaused) {
            this.sendAppend(m.from);
          }
          // Fill the window: a large backlog goes out as several messages at once.
          let sent = true;
          while (sent) sent = this.maybeSendAppend(m.from, false);
          if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
        }
        return;
      case MessageType.HeartbeatResp: {
        pr.recentActive = true;
        pr.probeSent = false;
        // A heartbeat answered means the link works: let one more App through a full window.
        if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
        if (m.context === undefined || m.context.length === 0) return;
        const acks = this.readOnly.recvAck(m.from, m.context);
        if (acks === undefined) return;
        if (this.prs.voteResult((id) => (acks.has(id) ? true : undefined)) !== VoteResult.Won) return;
        for (const rs of this.readOnly.advance(m.context)) {
          this.answerReadIndex(rs.req, rs.index);
        }
        return;
      }
      case MessageType.SnapStatus:
        if (pr.state !== 'snapshot') return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for the follower's answer (or a heartbeat) before probing again.
        pr.probeSent = true;
        return;
      case MessageType.Unreachable:
        if (pr.state === 'replicate') pr.becomeProbe();
        return;
      case MessageType.TransferLeader: {
        if (pr.isLearner) return;
        const transferee = m.from;
        if (this.leadTransferee !== NONE) {
          if (this.leadTransferee === transferee) return;
          this.leadTransferee = NONE;
        }
        if (transferee === this.id) return;
        // The transfer must finish within one election timeout.
        this.electionElapsed = 0;
        this.leadTransferee = transferee;
        if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
        else this.sendAppend(transferee);
        return;
      }
    }
  }

  private leaderPropose(m: Message): void {
    if (m.entries.length === 0) throw new Error('raft: empty proposal');
    if (!this.prs.has(this.id)) return this.dropProposal(m, 'raft proposal dropped: not a member');
    if (this.leadTransferee !== NONE) {
      return this.dropProposal(m, 'raft proposal dropped: leadership transfer in progress');
    }
    // Fresh objects: the message may be delivered twice and its entries must not be renumbered in place.
    const ents: Entry[] = new Array(m.entries.length);
    const li = this.log.lastIndex();
    for (let i = 0; i < m.entries.length; i++) {
      const e = m.entries[i];
      if (e.type === EntryType.ConfChange) {
        if (this.pendingConfIndex > this.log.applied) {
          if (m.from === this.id) throw new ConfChangePendingError();
          ents[i] = { term: 0, index: 0, type: EntryType.Normal, data: EMPTY };
          continue;
        }
        this.pendingConfIndex = li + i + 1;
      }
      ents[i] = { term: 0, index: 0, type: e.type, data: e.data };
    }
    this.appendEntries(ents);
    // Sent when the Ready is cut, so that a burst of proposals travels as one App per follower.
    this.appendsPending = true;
  }

  /** Sends the appends that proposals since the last Ready deferred. */
  flushAppends(): void {
    if (this.appendsPending && this.state === StateType.Leader) this.bcastAppend();
    this.appendsPending = false;
  }

  private leaderReadIndex(m: Message): void {
    if (this.prs.isSingleton()) {
      this.answerReadIndex(m, this.log.committed);
      return;
    }
    // Our commit index is only known to be current once an entry of our term has committed.
    if (this.log.termOrZero(this.log.committed) !== this.term) {
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.startReadIndex(m);
  }

  private startReadIndex(m: Message): void {
    const ctx = m.context ?? EMPTY;
    this.readOnly.addRequest(this.log.committed, m);
    this.readOnly.recvAck(this.id, ctx);
    this.bcastHeartbeat(ctx);
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0) return;
    if (this.log.termOrZero(this.log.committed) !== this.term) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.startReadIndex(m);
  }

  private answerReadIndex(req: Message, index: number): void {
    const ctx = req.context ?? EMPTY;
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, requestCtx: ctx });
      return;
    }
    const resp = newMessage(MessageType.ReadIndexResp, req.from);
    resp.index = index;
    resp.context = ctx;
    this.send(resp);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send(newMessage(MessageType.TimeoutNow, to));
  }

  private stepCandidate(m: Message): void {
    const myVoteResp = this.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        return this.dropProposal(m, 'raft proposal dropped: no leader');
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
    }
    if (m.type !== myVoteResp) return;
    switch (this.poll(m.from, !m.reject)) {
      case VoteResult.Won:
        if (this.state === StateType.PreCandidate) {
          this.campaign(CampaignType.Election);
        } else {
          this.becomeLeader();
          this.bcastAppend();
        }
        return;
      case VoteResult.Lost:
        // A rejected pre-vote carries a term of ours or higher; either way we are not electable now.
        this.becomeFollower(this.term, NONE);
        return;
      case VoteResult.Pending:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Prop:
        if (this.isRemoved()) return this.dropProposal(m, 'raft proposal dropped: not a member');
        if (this.lead === NONE) return this.dropProposal(m, 'raft proposal dropped: no leader');
        this.forwardToLeader(m);
        return;
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) return;
        this.forwardToLeader(m);
        return;
      case MessageType.TimeoutNow:
        // The leader chose us: campaign at once, skipping pre-vote and breaking other nodes' leases.
        if (this.promotable()) this.campaign(CampaignType.Transfer);
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE) return this.dropProposal(m, 'raft read index dropped: no leader');
        this.forwardToLeader(m);
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, requestCtx: m.context ?? EMPTY });
        return;
    }
  }

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      const resp = newMessage(MessageType.AppResp, m.from);
      resp.index = this.log.committed;
      this.send(resp);
      return;
    }
    const resp = newMessage(MessageType.AppResp, m.from);
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew >= 0) {
      resp.index = lastNew;
    } else {
      // Point the leader at the last entry that can still match: the highest one not newer than the
      // term the leader has at m.index. Skips a whole divergent term per round trip.
      const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
      resp.index = m.index;
      resp.reject = true;
      resp.rejectHint = hint;
      resp.logTerm = this.log.termOrZero(hint);
    }
    this.send(resp);
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(m.commit);
    const resp = newMessage(MessageType.HeartbeatResp, m.from);
    resp.context = m.context;
    this.send(resp);
  }

  private handleSnapshot(m: Message): void {
    const resp = newMessage(MessageType.AppResp, m.from);
    if (m.snapshot !== undefined && this.restore(m.snapshot)) resp.index = this.log.lastIndex();
    else resp.index = this.log.committed;
    this.send(resp);
  }

  /** Installs a leader's snapshot; false if our log already covers it. */
  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.log.committed) return false;
    // No check that we are in confState: a node added after the snapshot was taken gets it too,
    // and learns of its own membership from the entries that follow.
    if (this.log.matchTerm(index, term)) {
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(s);
    this.prs = this.trackerFor(confState);
    return true;
  }

  // ---- membership ----

  /** Puts a committed ConfChange into effect; the caller invokes it when applying the entry. */
  confState(): ConfState {
    return this.prs.confState();
  }

  applyConfChange(cc: ConfChange): ConfState {
    const next = this.log.lastIndex() + 1;
    const isNew = !this.prs.has(cc.nodeId);
    switch (cc.type) {
      case ConfChangeType.AddNode:
        this.prs.add(cc.nodeId, false, next);
        break;
      case ConfChangeType.AddLearnerNode:
        this.prs.add(cc.nodeId, true, next);
        break;
      case ConfChangeType.RemoveNode:
        this.prs.remove(cc.nodeId);
        if (cc.nodeId === this.leadTransferee) this.leadTransferee = NONE;
        break;
      case ConfChangeType.UpdateNode:
        break;
    }
    const cs = this.prs.confState();
    if (this.state !== StateType.Leader || this.prs.voters.size === 0) return cs;
    if (!this.prs.voters.has(this.id)) {
      // Removed leader: tell everyone the commit index once more, then stop leading so that the
      // remaining voters elect a leader among themselves.
      this.bcastAppend();
      this.becomeFollower(this.term, NONE);
      return cs;
    }
    // The quorum changed: entries may now be committed, and new members need the log.
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    } else {
      for (const id of this.prs.progress.keys()) if (id !== this.id) this.maybeSendAppend(id, false);
    }
    // Probe a new member now rather than at the next heartbeat, so it starts catching up at once.
    if (isNew && cc.nodeId !== this.id && this.prs.has(cc.nodeId)) this.sendAppend(cc.nodeId);
    return cs;
  }
}
