// Lease errors carry etcd's exact client-facing messages, so the server's single error mapper turns them into the
// right gRPC status without knowing about this module.

export class LeaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class LeaseNotFoundError extends LeaseError {
  constructor() {
    super('etcdserver: requested lease not found');
  }
}

export class LeaseExistsError extends LeaseError {
  constructor() {
    super('etcdserver: lease already exists');
  }
}

export class LeaseTTLTooLargeError extends LeaseError {
  constructor() {
    super('etcdserver: too large lease TTL');
  }
}

/** Only the leader tracks expiry; a follower must forward keep-alives and time-to-live queries to it. */
export class NotPrimaryError extends LeaseError {
  constructor() {
    super('not a primary lessor');
  }
}
