// The cluster's members as every member agrees on them: built from --initial-cluster at bootstrap, changed only by
// applied configuration changes, and stored with the data they belong to.
import type { Member } from '../gen/etcdserverpb/rpc';
import { parseInitialCluster } from '../config/urls';
import { clusterIdFor, memberIdFor } from './cluster-ids';

export interface MemberRecord {
  id: bigint;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/** The initial members with etcd's IDs (the CLI has checked the flags with verifyBootstrap). */
export function initialMembers(initialCluster: string, token: string): MemberRecord[] {
  return [...parseInitialCluster(initialCluster)].map(([name, peerUrls]) => ({
    id: memberIdFor(peerUrls, token),
    name,
    peerUrls,
    clientUrls: [],
    isLearner: false,
  }));
}

export class Membership {
  private readonly members = new Map<bigint, MemberRecord>();
  /** Removed IDs never come back (etcd refuses to re-add them and ignores their messages). */
  private readonly removed = new Set<bigint>();

  constructor(
    readonly clusterId: bigint,
    members: Iterable<MemberRecord>,
    removed: Iterable<bigint> = [],
  ) {
    for (const m of members) this.members.set(m.id, m);
    for (const id of removed) this.removed.add(id);
  }

  static bootstrap(members: MemberRecord[]): Membership {
    return new Membership(
      clusterIdFor(members.map((m) => m.id)),
      members,
    );
  }

  /** Takes over another view of the same cluster (after the store was restored from a snapshot). */
  replaceWith(other: Membership): void {
    if (other.clusterId !== this.clusterId) {
      throw new Error(`snapshot of cluster ${other.clusterId.toString(16)} given to cluster ${this.clusterId.toString(16)}`);
    }
    this.members.clear();
    for (const m of other.list()) this.members.set(m.id, m);
    for (const id of other.removedIds()) this.removed.add(id);
  }

  get(id: bigint): MemberRecord | undefined {
    return this.members.get(id);
  }

  list(): MemberRecord[] {
    return [...this.members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  isRemoved(id: bigint): boolean {
    return this.removed.has(id);
  }

  removedIds(): bigint[] {
    return [...this.removed];
  }

  add(m: MemberRecord): void {
    this.members.set(m.id, m);
  }

  remove(id: bigint): void {
    this.members.delete(id);
    this.removed.add(id);
  }

  setAttributes(id: bigint, name: string, clientUrls: string[]): void {
    const m = this.members.get(id);
    if (m) this.members.set(id, { ...m, name, clientUrls });
  }

  setPeerUrls(id: bigint, peerUrls: string[]): void {
    const m = this.members.get(id);
    if (m) this.members.set(id, { ...m, peerUrls: [...peerUrls].sort() });
  }

  promote(id: bigint): void {
    const m = this.members.get(id);
    if (m) this.members.set(id, { ...m, isLearner: false });
  }

  toProto(): Member[] {
    return this.list().map(toProtoMember);
  }

  encode(): Buffer {
    return Buffer.from(
      JSON.stringify({
        clusterId: this.clusterId.toString(),
        members: this.list().map((m) => ({ ...m, id: m.id.toString() })),
        removed: this.removedIds().map(String),
      }),
    );
  }

  static decode(buf: Buffer): Membership {
    const raw = JSON.parse(buf.toString()) as {
      clusterId: string;
      members: Array<Omit<MemberRecord, 'id'> & { id: string }>;
      removed: string[];
    };
    return new Membership(
      BigInt(raw.clusterId),
      raw.members.map((m) => ({ ...m, id: BigInt(m.id) })),
      raw.removed.map(BigInt),
    );
  }
}

export function toProtoMember(m: MemberRecord): Member {
  return { ID: m.id, name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: m.isLearner };
}
