// Drives the pure Raft state machine with real time and real I/O: ticks from a timer, persists each Ready
// in one synced batch, sends its messages, applies its committed entries and answers read states.
// Everything proposed between two Readys lands in the next one, so one fsync covers a whole batch.
import type { Logger } from 'pino';
import { RawNode, MemoryStorage } from '../raft';
import type { Entry, Message, ReadState, Snapshot, SoftState } from '../raft/types';
import { NONE, StateType, type HardState } from '../raft/types';
import { ProposalDroppedError } from '../raft/errors';
import type { RaftLogStore } from '../storage';

export interface RaftTransport {
  /** Hands messages to peers; must not block. Messages to unknown or unreachable peers are dropped. */
  send(messages: Message[]): void;
}

/** What the node needs from the application above it. Apply runs synchronously, in log order. */
export interface RaftApplication {
  applyEntries(entries: Entry[]): void;
  /** Replaces the whole application state with the snapshot's. */
  restoreSnapshot(snapshot: Snapshot): Promise<void>;
  onReadStates(states: ReadState[]): void;
  onSoftState(state: SoftState): void;
  /** Called once per Ready after apply, e.g. to flush the application's write batch. Never awaited by the loop. */
  afterApply(appliedIndex: number): void;
}

export interface RaftNodeOptions {
  rawNode: RawNode;
  memory: MemoryStorage;
  log: RaftLogStore;
  transport: RaftTransport;
  app: RaftApplication;
  tickMs: number;
  logger: Logger;
}

export class RaftNode {
  readonly raw: RawNode;
  private readonly memory: MemoryStorage;
  private readonly log: RaftLogStore;
  private readonly transport: RaftTransport;
  private readonly app: RaftApplication;
  private readonly logger: Logger;
  private readonly tickMs: number;
  private ticker: NodeJS.Timeout | undefined;
  private wakeLoop: (() => void) | undefined;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private appliedIndex: number;
  private lead: bigint = NONE;
  private hardState: HardState;
  private state: StateType = StateType.Follower;

  constructor(opts: RaftNodeOptions) {
    this.raw = opts.rawNode;
    this.memory = opts.memory;
    this.log = opts.log;
    this.transport = opts.transport;
    this.app = opts.app;
    this.logger = opts.logger;
    this.tickMs = opts.tickMs;
    const st = this.raw.status();
    this.appliedIndex = st.applied;
    this.hardState = st.hardState;
  }

  /** The current term as last persisted (cheap: RawNode.status() builds progress maps on the leader). */
  get term(): number {
    return this.hardState.term;
  }

  get commitIndex(): number {
    return this.hardState.commit;
  }

  get leader(): bigint {
    return this.lead;
  }

  get isLeader(): boolean {
    return this.state === StateType.Leader;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  start(): void {
    this.running = true;
    this.ticker = setInterval(() => {
      this.raw.tick();
      this.wake();
    }, this.tickMs);
    this.loopDone = this.loop().catch((err) => {
      // A failed disk write leaves the node unable to make progress safely: stop rather than diverge.
      this.logger.fatal({ err }, 'raft loop failed; stopping the member');
      this.running = false;
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.ticker) clearInterval(this.ticker);
    this.wake();
    await this.loopDone;
  }

  /** Lets the loop look for a Ready: call after feeding the raw node anything (step, propose, readIndex, ...). */
  wake(): void {
    const w = this.wakeLoop;
    if (w) {
      this.wakeLoop = undefined;
      w();
    }
  }

  step(message: Message): void {
    try {
      this.raw.step(message);
    } catch (err) {
      // A proposal forwarded to a leader that is transferring leadership is refused; the proposer times out.
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
    this.wake();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      if (!this.raw.hasReady()) {
        await new Promise<void>((resolve) => (this.wakeLoop = resolve));
        continue;
      }
      const rd = this.raw.ready();
      if (rd.softState) {
        this.lead = rd.softState.lead;
        this.state = rd.softState.state;
        this.app.onSoftState(rd.softState);
      }
      if (rd.hardState || rd.entries.length > 0 || rd.snapshot) {
        await this.log.save(rd.hardState, rd.entries, rd.snapshot);
      }
      if (rd.hardState) this.hardState = rd.hardState;
      if (rd.snapshot) this.memory.applySnapshot(rd.snapshot);
      if (rd.hardState) this.memory.setHardState(rd.hardState);
      if (rd.entries.length > 0) this.memory.append(rd.entries);
      if (rd.messages.length > 0) this.transport.send(rd.messages);
      if (rd.snapshot) {
        await this.app.restoreSnapshot(rd.snapshot);
        this.appliedIndex = rd.snapshot.metadata.index;
      }
      if (rd.committedEntries.length > 0) {
        this.app.applyEntries(rd.committedEntries);
        this.appliedIndex = rd.committedEntries[rd.committedEntries.length - 1].index;
      }
      if (rd.readStates.length > 0) this.app.onReadStates(rd.readStates);
      this.raw.advance(rd);
      if (rd.committedEntries.length > 0 || rd.snapshot) this.app.afterApply(this.appliedIndex);
    }
  }
}
