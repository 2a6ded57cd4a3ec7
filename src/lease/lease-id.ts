// Lease ids picked by the member that receives a LeaseGrant with ID 0, before proposing it. Like etcd, the id mixes
// the member id (so two members never collide), the start time in ms (so a restarted member does not repeat
// itself) and a counter.

const TIMESTAMP_BITS = 40n;
const COUNTER_BITS = 8n;
const SUFFIX_BITS = TIMESTAMP_BITS + COUNTER_BITS;
const SUFFIX_MASK = (1n << SUFFIX_BITS) - 1n;
const MAX_INT64 = (1n << 63n) - 1n;

export class LeaseIdGenerator {
  private readonly prefix: bigint;
  private suffix: bigint;

  constructor(memberId: bigint, startMs: number) {
    this.prefix = (memberId & 0xffffn) << SUFFIX_BITS;
    const ms = BigInt(Math.floor(startMs)) & ((1n << TIMESTAMP_BITS) - 1n);
    this.suffix = ms << COUNTER_BITS;
  }

  /** A positive int64; the counter may carry into the timestamp bits, which only widens the unique window. */
  next(): bigint {
    for (;;) {
      this.suffix = (this.suffix + 1n) & SUFFIX_MASK;
      const id = (this.prefix | this.suffix) & MAX_INT64;
      if (id !== 0n) return id;
    }
  }
}
