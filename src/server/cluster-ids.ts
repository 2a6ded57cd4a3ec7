// Member and cluster IDs derived exactly as etcd derives them, so a tetcd cluster bootstrapped from the same
// --initial-cluster and --initial-cluster-token reports the IDs etcd would.
import { createHash } from 'node:crypto';

/** sha1(sorted peer URLs concatenated + cluster token [+ unix seconds]) → first 8 bytes, big-endian. */
export function memberIdFor(peerUrls: string[], clusterToken: string, addedAtUnixSeconds?: number): bigint {
  const h = createHash('sha1');
  for (const url of [...peerUrls].sort()) h.update(url);
  h.update(clusterToken);
  if (addedAtUnixSeconds !== undefined) h.update(String(addedAtUnixSeconds));
  return h.digest().readBigUInt64BE(0);
}

/** sha1 of the sorted member IDs, each as 8 big-endian bytes → first 8 bytes. */
export function clusterIdFor(memberIds: bigint[]): bigint {
  const ids = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buf = Buffer.alloc(8 * ids.length);
  ids.forEach((id, i) => buf.writeBigUInt64BE(id, 8 * i));
  return createHash('sha1').update(buf).digest().readBigUInt64BE(0);
}

/** etcd prints IDs as lower-case hex without leading zeros. */
export function idToHex(id: bigint): string {
  return id.toString(16);
}
