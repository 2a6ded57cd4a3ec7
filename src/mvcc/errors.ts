// Typed errors raised by the MVCC store and the KV request logic. Each message
// is the exact text etcd 3.4 produces, so the server only has to pick the gRPC
// status code per class (see etcdserver/api/v3rpc/rpctypes in etcd).

export abstract class MvccError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

// Clients see these two prefixed with "etcdserver: " (gRPC OUT_OF_RANGE).
export class CompactedError extends MvccError {
  constructor() {
    super('mvcc: required revision has been compacted');
  }
}

export class FutureRevError extends MvccError {
  constructor() {
    super('mvcc: required revision is a future revision');
  }
}

// The remaining errors are INVALID_ARGUMENT in etcd, except LeaseNotFoundError (NOT_FOUND).
export class EmptyKeyError extends MvccError {
  constructor() {
    super('etcdserver: key is not provided');
  }
}

export class KeyNotFoundError extends MvccError {
  constructor() {
    super('etcdserver: key not found');
  }
}

export class ValueProvidedError extends MvccError {
  constructor() {
    super('etcdserver: value is provided');
  }
}

export class LeaseProvidedError extends MvccError {
  constructor() {
    super('etcdserver: lease is provided');
  }
}

export class TooManyOpsError extends MvccError {
  constructor() {
    super('etcdserver: too many operations in txn request');
  }
}

export class DuplicateKeyError extends MvccError {
  constructor() {
    super('etcdserver: duplicate key given in txn request');
  }
}

export class LeaseNotFoundError extends MvccError {
  constructor() {
    super('etcdserver: requested lease not found');
  }
}
