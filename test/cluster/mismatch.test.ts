// A member whose --initial-cluster-token or --initial-cluster differs from its peers' derives other member and
// cluster IDs: its peers must refuse its traffic, it must say why in its log, and it must never join. The same
// member started with the right flags joins, which shows the refusals come from the mismatch alone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { clusterMember, haveEtcdctl, spawnCluster, type ClusterMember, type TetcdCluster } from '../helpers/tetcd';
import { ctl, parseJsonIds, sleep, waitConverged, waitFor } from './util';

/** `args` with the value after `flag` replaced. */
function withFlag(args: string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  assert.ok(i >= 0, `no ${flag} in ${args.join(' ')}`);
  return [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

describe('members that disagree on the initial cluster', { skip: !haveEtcdctl() && 'etcdctl not installed' }, () => {
  let cluster: TetcdCluster;
  let odd: ClusterMember;

  before(async () => {
    cluster = await spawnCluster(3, { startOnly: ['m1', 'm2'] });
    odd = cluster.members[2];
  });

  after(async () => {
    await cluster?.destroy();
  });

  /** Starts m3 with `args` on a fresh data dir and checks it logs why it is refused and never becomes healthy. */
  async function tryOdd(args: string[], refusal: RegExp): Promise<void> {
    fs.rmSync(odd.dataDir, { recursive: true, force: true });
    fs.mkdirSync(odd.dataDir);
    const { name, id, clientUrl, peerUrl, dataDir, env } = odd;
    const m = clusterMember({ name, id, clientUrl, peerUrl, dataDir, env, args });
    await m.start();
    try {
      await waitFor('the mismatched member to log why it is refused', async () => (refusal.test(m.output()) ? true : undefined), 20000)
        .catch((err) => {
          throw new Error(`${(err as Error).message}; its output:\n${m.output().slice(-3000)}`);
        });
      // Ten election timeouts more: it would have joined by now had it been accepted.
      await sleep(5000);
      const health = await fetch(`${odd.clientUrl}/health`).then((r) => r.status, () => 0);
      assert.notEqual(health, 200, 'the mismatched member reports itself healthy');
    } finally {
      await m.kill9();
    }
  }

  async function assertNotJoined(): Promise<void> {
    const list = parseJsonIds(await ctl(cluster.members[0].clientUrl, ['member', 'list', '-w', 'json'])).members as any[];
    const m3 = list.find((m) => m.ID === odd.id);
    assert.ok(m3, 'the expected m3 should still be listed');
    // Named from --initial-cluster, as etcd lists it, but without client URLs: it never published them.
    assert.deepEqual(m3.clientURLs ?? [], [], 'm3 should never have published its client URLs');
    const st = await ctl(cluster.members[0].clientUrl, ['member', 'list']);
    assert.match(st, new RegExp(`^${odd.id}, started, m3, ${odd.peerUrl}, , false$`, 'm'));
  }

  it('refuses a member started with another --initial-cluster-token', async () => {
    await tryOdd(withFlag(odd.args, '--initial-cluster-token', 'another-token'), /cluster ID mismatch/);
    await assertNotJoined();
  });

  it('refuses a member started with a different --initial-cluster', async () => {
    const wrong = cluster.initialCluster.replace(`m1=${cluster.members[0].peerUrl}`, 'm1=http://127.0.0.1:1');
    assert.notEqual(wrong, cluster.initialCluster);
    await tryOdd(withFlag(odd.args, '--initial-cluster', wrong), /cluster ID mismatch/);
    await assertNotJoined();
  });

  it('accepts the same member started with the right flags', async () => {
    fs.rmSync(odd.dataDir, { recursive: true, force: true });
    fs.mkdirSync(odd.dataDir);
    await odd.start();
    await odd.waitHealthy(30000);
    await ctl(odd.clientUrl, ['put', 'joined', 'yes']);
    await waitConverged(cluster.members);
  });
});
