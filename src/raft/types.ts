// The vocabulary shared by the Raft state machine, the durable log under it and the
// application driving it. Terms and indexes are JS numbers (they stay far below 2^53);
// member IDs are uint64 on the wire (etcd derives them by hashing), so they are bigints.

export type NodeId = bigint;
/** No node: the vote of a node that has not voted, the leader of a node that knows none. */
export const NONE: NodeId = 0n;

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque to Raft for Normal entries; an encoded ConfChange for ConfChange entries. Empty for a leader's no-op. */
  data: Uint8Array;
}

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  /** Reserved for a change of a member's attributes that does not alter the configuration (etcd's MemberUpdate). */
  UpdateNode = 2,
  AddLearnerNode = 3,
}

/** One membership change. AddNode on an existing learner promotes it, as in etcd. */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to Raft: the application's description of the member (etcd puts the member's JSON here). */
  context: Uint8Array;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** The application's state at metadata.index; opaque to Raft. */
  data: Uint8Array;
}

export enum MessageType {
  /** Local: start an election (sent to self when the election timer fires or campaign() is called). */
  Hup = 0,
  /** Local: a leader's heartbeat timer fired. */
  Beat = 1,
  Prop = 2,
  App = 3,
  AppResp = 4,
  Vote = 5,
  VoteResp = 6,
  Snap = 7,
  Heartbeat = 8,
  HeartbeatResp = 9,
  /** Local: the transport could not reach `from`. */
  Unreachable = 10,
  /** Local: the transport finished (or failed) sending a snapshot to `from`; `reject` means failed. */
  SnapStatus = 11,
  /** Local: a leader checks that a quorum has been active within the last election timeout. */
  CheckQuorum = 12,
  TransferLeader = 13,
  TimeoutNow = 14,
  ReadIndex = 15,
  ReadIndexResp = 16,
  PreVote = 17,
  PreVoteResp = 18,
}

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  /** For App: the term of the entry at `index`, the one just before `entries`. */
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  /** On a rejected AppResp: the follower's hint of where the leader should probe next. */
  rejectHint: number;
  /** ReadIndex request context, echoed back with the read state; also marks a TimeoutNow-driven campaign. */
  context?: Uint8Array;
}

export enum StateType {
  Follower = 0,
  Candidate = 1,
  Leader = 2,
  PreCandidate = 3,
}

export interface SoftState {
  lead: NodeId;
  state: StateType;
}

/** A linearizable read that may be served once the applied index reaches `index`. */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

/**
 * What the state machine asks of its caller, in this order:
 *   1. persist `hardState`, `entries` and `snapshot` durably (one synced batch);
 *   2. send `messages` (they may refer to what step 1 made durable, so never before it);
 *   3. install `snapshot` into the application, apply `committedEntries`, serve `readStates`;
 *   4. call advance().
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  /** Whether step 1 needs an fsync (false when only the commit index moved). */
  mustSync: boolean;
}

/**
 * The log as Raft reads it: everything the caller has made durable. The caller appends
 * each Ready's entries here after persisting them; on restart the durable log is loaded here.
 * Methods are synchronous: Raft is a pure state machine.
 */
export interface LogStorage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at most maxBytes in total but always at least one. Throws CompactedError / UnavailableError. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry i; valid for firstIndex()-1 .. lastIndex(). Throws CompactedError / UnavailableError. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot. Throws SnapshotTemporarilyUnavailableError if it is being made. */
  snapshot(): Snapshot;
}
