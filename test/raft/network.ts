// An in-memory cluster for the Raft tests: every node persists to its own MemoryStorage before its
// messages are queued (as the Ready contract requires), and messages move only when a test says so.

import {
  ConfChange,
  ConfState,
  decodeConfChange,
  Entry,
  EntryType,
  MemoryStorage,
  Message,
  MessageType,
  NodeId,
  RaftConfig,
  RawNode,
  ReadState,
  StateType,
} from '../../src/raft';

export interface NodeOptions {
  electionTick?: number;
  heartbeatTick?: number;
  checkQuorum?: boolean;
  preVote?: boolean;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
}

export class TestNode {
  node: RawNode;
  /** Every committed entry this node applied, in order (the "state machine"). */
  readonly applied: Entry[] = [];
  readonly readStates: ReadState[] = [];
  confState: ConfState = { voters: [], learners: [] };
  lastApplied = 0;

  constructor(readonly id: NodeId, readonly storage: MemoryStorage, private readonly cfg: NodeOptions, bootstrapPeers?: NodeId[]) {
    this.node = bootstrapPeers ? RawNode.bootstrap(this.config(), bootstrapPeers) : new RawNode(this.config());
  }

  config(): RaftConfig {
    return {
      id: this.id,
      storage: this.storage,
      electionTick: this.cfg.electionTick ?? 10,
      heartbeatTick: this.cfg.heartbeatTick ?? 1,
      checkQuorum: this.cfg.checkQuorum,
      preVote: this.cfg.preVote,
      maxSizePerMsg: this.cfg.maxSizePerMsg,
      maxInflightMsgs: this.cfg.maxInflightMsgs,
      applied: this.lastApplied,
    };
  }

  /** Simulates a crash and restart: only what the storage holds survives (the applied state machine too). */
  restart(): void {
    this.node = new RawNode(this.config());
  }

  state(): StateType {
    return this.node.status().softState.state;
  }

  term(): number {
    return this.node.status().hardState.term;
  }

  commit(): number {
    return this.node.status().hardState.commit;
  }

  /** Data of the applied Normal entries, as strings; the leader's empty no-ops are skipped. */
  appliedData(): string[] {
    return this.applied
      .filter((e) => e.type === EntryType.Normal && e.data.length > 0)
      .map((e) => Buffer.from(e.data).toString());
  }

  /** Handles every pending Ready; returns the messages to send. */
  process(): Message[] {
    const out: Message[] = [];
    while (this.node.hasReady()) {
      const rd = this.node.ready();
      if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
      this.storage.append(rd.entries);
      if (rd.hardState) this.storage.setHardState(rd.hardState);
      out.push(...rd.messages);
      if (rd.snapshot) {
        this.confState = rd.snapshot.metadata.confState;
        this.lastApplied = rd.snapshot.metadata.index;
      }
      for (const e of rd.committedEntries) {
        if (e.type === EntryType.ConfChange) this.confState = this.node.applyConfChange(decodeConfChange(e.data));
        this.applied.push(e);
        this.lastApplied = e.index;
      }
      this.readStates.push(...rd.readStates);
      this.node.advance(rd);
    }
    return out;
  }
}

export class Network {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages sent but not yet delivered. */
  queue: Message[] = [];
  private readonly cut = new Set<string>();
  /** Extra per-message drop rule for a test; true drops. */
  dropIf: ((m: Message) => boolean) | undefined;
  /** Every message delivered so far, for tests that count traffic. */
  readonly delivered: Message[] = [];

  /** A cluster bootstrapped with `voters`; `others` start empty and join later through conf changes. */
  constructor(voters: NodeId[], readonly opts: NodeOptions = {}, others: NodeId[] = []) {
    for (const id of voters) this.nodes.set(id, new TestNode(id, new MemoryStorage(), opts, voters));
    for (const id of others) this.add(id);
    this.flush();
  }

  add(id: NodeId, opts: NodeOptions = this.opts): TestNode {
    const n = new TestNode(id, new MemoryStorage(), opts);
    this.nodes.set(id, n);
    return n;
  }

  get(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Runs every node's Ready and queues the messages, without delivering anything. */
  flush(): void {
    for (const n of this.nodes.values()) this.queue.push(...n.process());
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  /** Drops messages from `from` to `to` (one direction). */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
    this.dropIf = undefined;
  }

  private deliverable(m: Message): boolean {
    if (this.cut.has(`${m.from}>${m.to}`)) return false;
    if (this.dropIf?.(m)) return false;
    return this.nodes.has(m.to);
  }

  /** Delivers messages (and the messages they cause) until the network is quiet. */
  stabilize(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      this.flush();
      if (this.queue.length === 0) return;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        if (!this.deliverable(m)) continue;
        this.delivered.push(m);
        this.get(m.to).node.step(m);
      }
    }
    throw new Error('network did not stabilize');
  }

  /** Delivers exactly the currently queued messages (one hop), returning those delivered. */
  deliverOnce(): Message[] {
    this.flush();
    const batch = this.queue;
    this.queue = [];
    const out: Message[] = [];
    for (const m of batch) {
      if (!this.deliverable(m)) continue;
      out.push(m);
      this.delivered.push(m);
      this.get(m.to).node.step(m);
    }
    return out;
  }

  /** Ticks every node n times, stabilizing after each round. */
  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.node.tick();
      this.stabilize();
    }
  }

  /** Makes `id` campaign and delivers until quiet. */
  elect(id: NodeId): void {
    this.get(id).node.campaign();
    this.stabilize();
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.state() === StateType.Leader).map((n) => n.id);
  }

  propose(id: NodeId, data: string): void {
    this.get(id).node.propose(Buffer.from(data));
    this.stabilize();
  }

  proposeConfChange(id: NodeId, cc: ConfChange): void {
    this.get(id).node.proposeConfChange(cc);
    this.stabilize();
  }
}

export function types(msgs: Message[]): string[] {
  return msgs.map((m) => `${MessageType[m.type]} ${m.from}->${m.to}`);
}
