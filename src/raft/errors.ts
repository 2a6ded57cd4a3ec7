// Typed errors of the Raft layer. The server maps them to etcd's gRPC errors in one place.

export class RaftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A proposal was not appended: no leader is known, a leader transfer is in progress, or the node is not a member. */
export class ProposalDroppedError extends RaftError {
  constructor(reason = 'raft proposal dropped') {
    super(reason);
  }
}

/** Only one configuration change may be pending (appended but not yet applied). */
export class ConfChangePendingError extends RaftError {
  constructor() {
    super('raft: a configuration change is already pending');
  }
}

/** The requested entries were dropped by log compaction. */
export class CompactedError extends RaftError {
  constructor() {
    super('requested index is unavailable due to compaction');
  }
}

/** The requested entries are beyond the last index. */
export class UnavailableError extends RaftError {
  constructor() {
    super('requested entry at index is unavailable');
  }
}

export class SnapshotTemporarilyUnavailableError extends RaftError {
  constructor() {
    super('snapshot is temporarily unavailable');
  }
}

/** A snapshot older than the one already held was offered. */
export class SnapshotOutOfDateError extends RaftError {
  constructor() {
    super('requested index is older than the existing snapshot');
  }
}
