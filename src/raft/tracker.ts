import { Progress } from './progress';
import { ConfState, NodeId } from './types';

export enum VoteResult {
  Pending,
  Won,
  Lost,
}

/**
 * The configuration (voters and learners) and the leader's view of every member's progress.
 * Learners have a Progress but are left out of every majority.
 */
export class ProgressTracker {
  readonly progress = new Map<NodeId, Progress>();
  readonly voters = new Set<NodeId>();
  readonly learners = new Set<NodeId>();
  private readonly votes = new Map<NodeId, boolean>();
  private readonly matchScratch: number[] = [];

  constructor(readonly maxInflight: number) {}

  has(id: NodeId): boolean {
    return this.progress.has(id);
  }

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  /** Adds a member or, for a learner added as a voter, promotes it. Voters are never demoted. */
  add(id: NodeId, isLearner: boolean, nextIndex: number): void {
    const pr = this.progress.get(id);
    if (pr === undefined) {
      const fresh = new Progress(nextIndex, this.maxInflight, isLearner);
      // A new member gets one election timeout before check-quorum counts it as silent.
      fresh.recentActive = true;
      this.progress.set(id, fresh);
      (isLearner ? this.learners : this.voters).add(id);
      return;
    }
    if (!isLearner && pr.isLearner) {
      pr.isLearner = false;
      this.learners.delete(id);
      this.voters.add(id);
    }
  }

  remove(id: NodeId): void {
    this.progress.delete(id);
    this.voters.delete(id);
    this.learners.delete(id);
    this.votes.delete(id);
  }

  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  /** The highest index held by a majority of voters. */
  committed(): number {
    if (this.voters.size === 0) return 0;
    // Insertion sort, descending: voter sets are tiny and this runs on every acknowledgement.
    const m = this.matchScratch;
    m.length = 0;
    for (const id of this.voters) {
      const v = this.progress.get(id)?.match ?? 0;
      let i = m.length;
      m.push(v);
      while (i > 0 && m[i - 1] < v) {
        m[i] = m[i - 1];
        i--;
      }
      m[i] = v;
    }
    return m[this.quorum() - 1];
  }

  /** Whether a majority of voters has been heard from since the last check. */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive) active++;
    }
    return active >= this.quorum();
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records the first answer of each voter; later answers from the same voter are ignored. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return this.voteResult((id) => this.votes.get(id));
  }

  /** Majority outcome among voters of a yes/no/unknown poll (used for votes and read-index acks). */
  voteResult(answer: (id: NodeId) => boolean | undefined): VoteResult {
    if (this.voters.size === 0) return VoteResult.Won;
    let granted = 0;
    let missing = 0;
    for (const id of this.voters) {
      const v = answer(id);
      if (v === undefined) missing++;
      else if (v) granted++;
    }
    const q = this.quorum();
    if (granted >= q) return VoteResult.Won;
    if (granted + missing >= q) return VoteResult.Pending;
    return VoteResult.Lost;
  }

  confState(): ConfState {
    return { voters: sorted(this.voters), learners: sorted(this.learners) };
  }
}

function sorted(ids: Set<NodeId>): NodeId[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
