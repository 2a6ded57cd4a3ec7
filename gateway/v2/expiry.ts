// Expiration and ttl for the nodes of an answer, from the v3 leases they hold.
import type { KeyValue } from '../../src/gen/mvccpb/kv';
import type { LeaseApi } from '../../src/server/api';
import { expiryAt, type Expiry, type V2Node } from './node-json';

export class ExpiryLookup {
  constructor(
    private readonly api: LeaseApi,
    private readonly now: () => number,
  ) {}

  /**
   * Adds expiration and ttl to the nodes of the tree under `root` that hold their own lease. A node whose
   * lease is its parent's only borrowed it to vanish with that directory and is permanent as far as v2 is
   * concerned.
   */
  async fill(root: V2Node, kvOf: Map<V2Node, KeyValue>, rootParentLease: bigint): Promise<void> {
    const wanted: Array<{ node: V2Node; lease: bigint }> = [];
    const visit = (node: V2Node, parentLease: bigint) => {
      const lease = kvOf.get(node)?.lease ?? 0n;
      if (lease !== 0n && lease !== parentLease) wanted.push({ node, lease });
      for (const child of node.nodes ?? []) visit(child, lease);
    };
    visit(root, rootParentLease);
    if (wanted.length === 0) return;
    const expiries = await this.lookup(wanted.map((w) => w.lease));
    for (const { node, lease } of wanted) node.expiry = expiries.get(lease);
  }

  private async lookup(leases: bigint[]): Promise<Map<bigint, Expiry>> {
    const out = new Map<bigint, Expiry>();
    await Promise.all(
      [...new Set(leases)].map(async (id) => {
        try {
          const resp = await this.api.leaseTimeToLive({ ID: id, keys: false });
          const now = this.now();
          // v3 counts whole seconds left rounded down, v2 rounds up: a lease that has started running is
          // between TTL and TTL + 1 seconds from its end.
          const left = resp.TTL < resp.grantedTTL ? resp.TTL + 1n : resp.TTL;
          if (resp.TTL >= 0n) out.set(id, expiryAt(now + Number(left) * 1000, now));
        } catch {
          // A lease that is already gone leaves the node without an expiration, like an expired v2 node.
        }
      }),
    );
    return out;
  }
}
