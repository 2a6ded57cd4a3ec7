// One randomized schedule: a small cluster, a faulty network, and a seeded sequence of steps
// (ticks, deliveries, losses, duplicates, partitions, crashes, restarts, proposals, compactions,
// leader transfers, reads). Invariants are checked after every step; at the end the network
// heals and the cluster must elect a leader and converge.

import { MessageType, StateType, type ConfState, type Message, type NodeId, type Snapshot } from '../../../src/raft/types';
import { ProposalDroppedError } from '../../../src/raft/errors';
import { Network } from './network';
import { SimNode, encodeAppState, type SimRaftOptions } from './node';
import { Oracle, violation } from './oracle';
import { Prng } from './prng';

/** Every node starts from the same snapshot at index 1, which carries the membership. */
const INITIAL_INDEX = 1;
const INITIAL_PRINT = 1;

/** Rounds (a tick of every node, then delivering everything) allowed for the cluster to settle after the chaos. */
const SETTLE_ROUNDS = 200;

/** What a schedule exercised, so the test can show the chaos actually reached each code path. */
export interface ScheduleSummary {
  commitIndex: number;
  leaderTerms: number;
  crashes: number;
  snapshotsDelivered: number;
  readsServed: number;
}

export class Schedule {
  private readonly prng: Prng;
  private readonly network = new Network();
  private readonly oracle = new Oracle(INITIAL_INDEX, INITIAL_PRINT);
  private readonly nodes: SimNode[] = [];
  private readonly voters: SimNode[] = [];
  private readonly quorum: number;
  private proposals = 0;
  private reads = 0;
  private readonly stats = { crashes: 0, snapshotsDelivered: 0 };
  /** Off once the schedule settles: no more crashes. */
  private faulty = true;

  constructor(seed: number) {
    this.prng = new Prng(seed);
    const voterCount = this.prng.chance(0.5) ? 3 : 5;
    const learnerCount = this.prng.chance(0.3) ? 1 : 0;
    const voterIds = range(1, voterCount);
    const learnerIds = range(voterCount + 1, learnerCount);
    const confState: ConfState = { voters: voterIds, learners: learnerIds };
    const options: SimRaftOptions = {
      // Short timeouts so a few hundred steps see several elections.
      electionTick: 3 + this.prng.int(4),
      heartbeatTick: 1,
      checkQuorum: this.prng.chance(0.5),
      preVote: this.prng.chance(0.5),
      // Small limits force multi-message catch-up and inflight throttling.
      maxSizePerMsg: this.prng.chance(0.5) ? 1 : 1024 * 1024,
      maxInflightMsgs: this.prng.chance(0.5) ? 2 : 256,
    };
    const initial: Snapshot = {
      metadata: { index: INITIAL_INDEX, term: 1, confState },
      data: encodeAppState(INITIAL_PRINT),
    };
    for (const id of voterIds) this.voters.push(new SimNode(id, false, confState, options, initial, this.prng));
    this.nodes.push(...this.voters);
    for (const id of learnerIds) this.nodes.push(new SimNode(id, true, confState, options, initial, this.prng));
    this.quorum = Math.floor(voterCount / 2) + 1;
  }

  run(steps: number): ScheduleSummary {
    // Usually skip the wait for the first election timeout, so the steps go to a working cluster.
    if (this.prng.chance(0.7)) {
      const first = this.prng.pick(this.voters);
      first.campaign();
      this.afterInput(first);
    }
    for (let i = 0; i < steps; i++) {
      this.step();
      this.checkDurableQuorum();
    }
    this.settle();
    return {
      ...this.stats,
      commitIndex: this.oracle.commitIndex,
      leaderTerms: this.oracle.leaderTerms,
      readsServed: this.oracle.readsServed,
    };
  }

  private step(): void {
    // Weighted so that a message usually arrives well within an election timeout, as on a real network.
    const r = this.prng.next();
    if (r < 0.03) this.tick(this.pickAlive());
    else if (r < 0.12) this.tickAll();
    else if (r < 0.5) this.deliverSome();
    else if (r < 0.76) this.readySome();
    else if (r < 0.86) this.propose();
    else if (r < 0.88) this.changePartition();
    else if (r < 0.9) this.crashOrRestart();
    else if (r < 0.93) this.pickAlive()?.compact(this.prng);
    else if (r < 0.95) this.transferLeader();
    else if (r < 0.97) this.campaignEarly();
    else this.readIndex();
  }

  /** A voter's election timer fires early (a stalled leader, a clock jump): leadership churns. */
  private campaignEarly(): void {
    const node = this.prng.pick(this.voters);
    if (!node.alive) return;
    node.campaign();
    this.afterInput(node);
  }

  private alive(): SimNode[] {
    return this.nodes.filter((n) => n.alive);
  }

  private pickAlive(): SimNode | undefined {
    const alive = this.alive();
    return alive.length === 0 ? undefined : this.prng.pick(alive);
  }

  private nodeById(id: NodeId): SimNode | undefined {
    return this.nodes.find((n) => n.id === id);
  }

  private tick(node: SimNode | undefined): void {
    if (!node) return;
    node.tick();
    this.afterInput(node);
  }

  private tickAll(): void {
    for (const n of this.alive()) this.tick(n);
  }

  /**
   * Most nodes handle their Ready right after an input, as a busy node would; the rest is left for
   * readySome, so unpersisted state sometimes lingers (and a crash then loses it).
   */
  private afterInput(node: SimNode): void {
    this.observeRole(node);
    if (node.hasReady() && this.prng.chance(0.7)) this.handleReady(node, this.faulty && this.prng.chance(0.002));
  }

  /** At most one leader per term, and learners never lead. */
  private observeRole(node: SimNode): void {
    if (!node.alive) return;
    const { state, term } = node.role();
    if (state === StateType.Follower) return;
    if (node.isLearner) violation(`learner ${node.id} became ${StateType[state]} in term ${term}`);
    if (state === StateType.Leader && this.oracle.observeLeader(node.id, term) && this.faulty && this.prng.chance(0.25)) {
      // A leader cut off the moment it wins keeps its new entries to itself: the setting in which
      // a wrong commit rule (counting replicas of an earlier term's entry) loses committed data.
      this.isolate(node);
    }
  }

  private isolate(node: SimNode): void {
    this.network.partition([[node.id], this.nodes.filter((n) => n !== node).map((n) => n.id)]);
  }

  /** Delivers a random share of the messages in flight, in random order, losing or duplicating some. */
  private deliverSome(): void {
    for (let n = 1 + this.prng.int(this.network.size); n > 0; n--) {
      const m = this.network.take(this.prng);
      if (!m) return;
      const fate = this.prng.next();
      if (fate < 0.05) {
        this.lose(m);
        continue;
      }
      // Duplicated: one copy now, one stays in flight (a copy, since Raft may reuse a message it forwards).
      if (fate < 0.1) this.network.send([{ ...m }]);
      this.deliver(m);
    }
  }

  private deliver(m: Message): void {
    const to = this.nodeById(m.to);
    if (!to || !to.alive || !this.network.connected(m.from, m.to)) return this.lose(m);
    to.step(m);
    this.afterInput(to);
    if (m.type !== MessageType.Snap) return;
    this.stats.snapshotsDelivered++;
    const from = this.nodeById(m.from);
    if (from?.alive) from.reportSnapshot(m.to, true);
  }

  /** A lost snapshot must be reported, or the leader waits for it forever; other losses sometimes are. */
  private lose(m: Message): void {
    const from = this.nodeById(m.from);
    if (!from || !from.alive) return;
    if (m.type === MessageType.Snap) from.reportSnapshot(m.to, false);
    else if (m.type === MessageType.App && this.prng.chance(0.3)) from.reportUnreachable(m.to);
  }

  /** A random subset of the nodes with work handle one Ready each; rarely one crashes mid-way. */
  private readySome(): void {
    for (const n of this.nodes) {
      if (n.hasReady() && this.prng.chance(0.5)) this.handleReady(n, this.faulty && this.prng.chance(0.002));
    }
  }

  private handleReady(node: SimNode, crashAfterPersist: boolean): void {
    const outcome = node.handleReady(this.oracle, (msgs) => this.network.send(msgs), crashAfterPersist);
    if (outcome === 'crashed-after-persist') this.stats.crashes++;
    this.observeRole(node);
  }

  private propose(): void {
    const node = this.pickAlive();
    if (!node) return;
    node.propose(new TextEncoder().encode(`p${this.proposals++}`));
    this.afterInput(node);
  }

  private changePartition(): void {
    if (this.network.partitioned && this.prng.chance(0.8)) return this.network.heal();
    const leader = this.nodes.find((n) => n.isLeader);
    if (leader && this.prng.chance(0.5)) return this.isolate(leader);
    const ids = this.prng.chance(0.5) ? this.nodes.map((n) => n.id) : this.alive().map((n) => n.id);
    const a: NodeId[] = [];
    const b: NodeId[] = [];
    for (const id of ids) (this.prng.chance(0.5) ? a : b).push(id);
    this.network.partition([a, b]);
  }

  private crashOrRestart(): void {
    // Rarely more than two nodes are down at once: losing a quorum is tested, but must not be the norm.
    const down = this.nodes.filter((n) => !n.alive);
    if (down.length >= 2 || (down.length > 0 && this.prng.chance(0.7))) return this.prng.pick(down).start();
    // Leaders are the interesting victims: their loss forces elections over half-replicated logs.
    const victim = (this.prng.chance(0.5) && this.nodes.find((n) => n.isLeader)) || this.pickAlive();
    if (!victim) return;
    victim.crash();
    this.stats.crashes++;
  }

  private transferLeader(): void {
    const node = this.pickAlive();
    if (!node) return;
    node.transferLeader(this.prng.pick(this.nodes).id);
    this.afterInput(node);
  }

  private readIndex(): void {
    const node = this.pickAlive();
    if (!node) return;
    const ctx = `r${this.reads++}`;
    this.oracle.recordReadRequest(ctx);
    try {
      node.readIndex(new TextEncoder().encode(ctx));
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
    this.afterInput(node);
  }

  /** Nothing committed is lost: a quorum of voters keeps every committed entry durably, crashes or not. */
  private checkDurableQuorum(): void {
    const commit = this.oracle.commitIndex;
    const print = this.oracle.committedAt(commit);
    if (print === undefined) violation(`no fingerprint for commit index ${commit}`);
    let holders = 0;
    for (const v of this.voters) if (v.holds(commit, print)) holders++;
    if (holders < this.quorum) violation(`committed index ${commit} is durable on only ${holders} voters`);
  }

  /** Heal, restart everyone, run lossless rounds, and demand a leader and full convergence. */
  private settle(): void {
    this.faulty = false;
    this.network.heal();
    for (const n of this.nodes) if (!n.alive) n.start();
    // A final write proves the settled leader can still commit, not only that old entries spread.
    let finalIndex = 0;
    let finalProposer = '';
    for (let round = 0; round < SETTLE_ROUNDS; round++) {
      this.tickAll();
      this.drain();
      const leader = this.nodes.find((n) => n.isLeader);
      if (!leader) continue;
      const proposer = `${leader.id}@${leader.role().term}`;
      if (proposer !== finalProposer || leader.lastIndex < finalIndex) {
        finalProposer = proposer;
        finalIndex = leader.lastIndex + 1;
        leader.propose(new TextEncoder().encode(`final${round}`));
        this.drain();
      }
      if (this.converged(leader, finalIndex)) return;
    }
    const state = this.nodes.map((n) => `${n.id}:${n.alive ? StateType[n.role().state] : 'down'}/commit ${n.commitIndex}/applied ${n.appliedIndex}/last ${n.lastIndex}`);
    violation(`no convergence after ${SETTLE_ROUNDS} quiet rounds: ${state.join(', ')}`);
  }

  /** Delivers every message and handles every Ready until the cluster is quiet. */
  private drain(): void {
    for (let guard = 0; guard < 1000; guard++) {
      let busy = false;
      for (const n of this.nodes) {
        if (n.hasReady()) {
          this.handleReady(n, false);
          busy = true;
        }
      }
      for (const m of this.network.takeAll()) {
        this.deliver(m);
        busy = true;
      }
      this.checkDurableQuorum();
      if (!busy) return;
    }
    violation('the cluster kept exchanging messages without settling');
  }

  /** Every node applied everything the leader committed, the final write included. */
  private converged(leader: SimNode, finalIndex: number): boolean {
    const commit = leader.commitIndex;
    if (commit !== leader.lastIndex || commit < finalIndex) return false;
    return this.nodes.every((n) => n.appliedIndex === commit && n.appliedFingerprint === this.oracle.committedAt(commit));
  }
}

function range(first: number, count: number): NodeId[] {
  const ids: NodeId[] = [];
  for (let i = 0; i < count; i++) ids.push(BigInt(first + i));
  return ids;
}
