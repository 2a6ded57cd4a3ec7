// Who is calling whom on the peer protocol: every call carries the caller's cluster and member ID and
// the member it means to reach, so a receiver can refuse traffic that is not meant for it.
import * as grpc from '@grpc/grpc-js';

const CLUSTER_ID_KEY = 'tetcd-cluster-id';
const FROM_ID_KEY = 'tetcd-from-id';
const TO_ID_KEY = 'tetcd-to-id';

export interface PeerIdentity {
  clusterId: bigint;
  from: bigint;
  to: bigint;
}

/** Member and cluster IDs in etcd's notation: unpadded lowercase hex. */
export function formatId(id: bigint): string {
  return id.toString(16);
}

function parseId(text: string): bigint | undefined {
  if (!/^[0-9a-f]{1,16}$/.test(text)) return undefined;
  return BigInt('0x' + text);
}

export function identityMetadata(id: PeerIdentity): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(CLUSTER_ID_KEY, formatId(id.clusterId));
  md.set(FROM_ID_KEY, formatId(id.from));
  md.set(TO_ID_KEY, formatId(id.to));
  return md;
}

/** The caller's identity, or undefined when it is missing or malformed. */
export function readIdentity(md: grpc.Metadata): PeerIdentity | undefined {
  const field = (key: string): bigint | undefined => {
    const values = md.get(key);
    return values.length === 1 && typeof values[0] === 'string' ? parseId(values[0]) : undefined;
  };
  const clusterId = field(CLUSTER_ID_KEY);
  const from = field(FROM_ID_KEY);
  const to = field(TO_ID_KEY);
  if (clusterId === undefined || from === undefined || to === undefined) return undefined;
  return { clusterId, from, to };
}

export interface LocalMember {
  memberId: bigint;
  clusterId: bigint;
  /** Whether `id` is a current member other than this one. */
  isKnownPeer(id: bigint): boolean;
  isRemoved(id: bigint): boolean;
}

/** Why a call must be refused, or undefined when it comes from a current member of our cluster. */
export function rejectCaller(local: LocalMember, md: grpc.Metadata): string | undefined {
  const id = readIdentity(md);
  if (id === undefined) return 'peer call without a valid tetcd-cluster-id/tetcd-from-id/tetcd-to-id';
  const from = formatId(id.from);
  if (id.clusterId !== local.clusterId) {
    return `cluster ID mismatch: member ${from} belongs to cluster ${formatId(id.clusterId)}, ` +
      `this member (${formatId(local.memberId)}) to cluster ${formatId(local.clusterId)}`;
  }
  if (id.to !== local.memberId) {
    return `member ID mismatch: member ${from} wants member ${formatId(id.to)}, this is member ${formatId(local.memberId)}`;
  }
  if (local.isRemoved(id.from)) return `member ${from} was removed from cluster ${formatId(local.clusterId)}`;
  if (!local.isKnownPeer(id.from)) return `member ${from} is not a member of cluster ${formatId(local.clusterId)}`;
  return undefined;
}
