// Builds a member data dir from a snapshot, laid out as src/server/member.ts expects: the store restored from the
// dump with the new cluster's identity, and a fresh Raft log holding the bootstrap configuration entries. The
// store's consistent index is reset to 0 so those entries are applied on first start (giving Raft its voters).
import fs from 'node:fs';
import path from 'node:path';
import { MvccStore } from '../../../mvcc/store';
import { MemoryStorage, RawNode } from '../../../raft';
import { MEMBERSHIP_BUCKET, MEMBERSHIP_KEY } from '../../../server/cluster-manager';
import { memberPaths } from '../../../server/member';
import { initialMembers, Membership } from '../../../server/membership';
import { RaftLogStore } from '../../../storage';
import { CtlError, ExitCode } from '../errors';

const SELF_KEY = Buffer.from('self');

export interface RestoreOptions {
  dataDir: string;
  walDir: string;
  name: string;
  initialCluster: string;
  initialClusterToken: string;
  initialAdvertisePeerUrls: string[];
}

export async function restoreDataDir(dump: Buffer, opts: RestoreOptions): Promise<{ memberId: bigint; clusterId: bigint }> {
  if (fs.existsSync(opts.dataDir)) throw new CtlError(ExitCode.error, `data-dir "${opts.dataDir}" exists`);
  const members = initialMembers(opts.initialCluster, opts.initialClusterToken);
  const self = members.find((m) => m.name === opts.name);
  if (!self) {
    throw new CtlError(ExitCode.error, `couldn't find local name "${opts.name}" in the initial cluster configuration`);
  }
  const wanted = [...opts.initialAdvertisePeerUrls].sort().join(',');
  if ([...self.peerUrls].sort().join(',') !== wanted) {
    throw new CtlError(
      ExitCode.error,
      `--initial-cluster has ${opts.name}=${self.peerUrls.join(',')} but missing from --initial-advertise-peer-urls=${opts.initialAdvertisePeerUrls.join(',')}`,
    );
  }
  const membership = Membership.bootstrap(members);
  const paths = memberPaths({ dataDir: opts.dataDir, walDir: opts.walDir });
  fs.mkdirSync(paths.wal, { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.dirname(paths.db), { recursive: true, mode: 0o700 });

  const store = await MvccStore.open(paths.db);
  try {
    await store.restoreFrom([dump]);
    const id = Buffer.alloc(8);
    id.writeBigUInt64BE(self.id);
    store.putMeta(MEMBERSHIP_BUCKET, SELF_KEY, id);
    store.putMeta(MEMBERSHIP_BUCKET, MEMBERSHIP_KEY, membership.encode());
    await store.commit(0);
  } finally {
    await store.close();
  }

  // The same first entries a member writes when it bootstraps: one AddNode per voter, committed at term 1.
  const memory = new MemoryStorage();
  const node = RawNode.bootstrap(
    { id: self.id, electionTick: 10, heartbeatTick: 1, storage: memory },
    members.map((m) => m.id),
  );
  const ready = node.ready();
  const log = await RaftLogStore.open(paths.wal);
  try {
    await log.save(ready.hardState, ready.entries);
  } finally {
    await log.close();
  }
  return { memberId: self.id, clusterId: membership.clusterId };
}
