// Runtime membership through etcdctl: add a learner, start it against the existing cluster, promote it once it has
// caught up, move its peer URL, remove it (it stops itself), and the strict reconfiguration check refusing changes
// that would leave the cluster without an active quorum. Errors are etcd 3.4's, as etcdctl prints them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  clusterMember,
  etcdctl,
  freePort,
  haveEtcdctl,
  spawnCluster,
  tempDir,
  type ClusterMember,
  type TetcdCluster,
} from '../helpers/tetcd';
import { agreedLeader, ctl, endpointStatus, getValue, parseJsonIds, sleep, waitConverged, waitFor } from './util';

interface ListedMember {
  ID: string;
  name?: string;
  peerURLs: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

async function memberList(endpoints: string): Promise<ListedMember[]> {
  return (parseJsonIds(await ctl(endpoints, ['member', 'list', '-w', 'json'])) as { members: ListedMember[] }).members;
}

describe('runtime membership', { skip: !haveEtcdctl() && 'etcdctl not installed' }, () => {
  let cluster: TetcdCluster;
  let clusterId: string;
  let n4: ClusterMember | undefined;
  let n4Id: string;

  before(async () => {
    cluster = await spawnCluster(3);
    clusterId = parseJsonIds(await ctl(cluster.endpoints(), ['member', 'list', '-w', 'json'])).header.cluster_id;
    for (let i = 0; i < 30; i++) await ctl(cluster.members[0].clientUrl, ['put', `seeded-${i}`, String(i)]);
    // Like etcd, a member add is refused ("unhealthy cluster") until every voter has been connected for 5 s.
    await sleep(5500);
  });

  after(async () => {
    await n4?.kill9();
    if (n4) fs.rmSync(n4.dataDir, { recursive: true, force: true });
    await cluster?.destroy();
  });

  /** n4's flags, as etcdctl member add told us to start it, with `peerUrl` as its peer URL. */
  function n4Member(peerUrl: string, clientUrl: string, dataDir: string, initialCluster: string): ClusterMember {
    return clusterMember({
      name: 'n4',
      id: n4Id,
      clientUrl,
      peerUrl,
      dataDir,
      env: { TETCD_TEST_FAULTS: '1' },
      args: [
        '--name', 'n4',
        '--data-dir', dataDir,
        '--listen-client-urls', clientUrl,
        '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrl,
        '--initial-advertise-peer-urls', peerUrl,
        '--initial-cluster', initialCluster,
        '--initial-cluster-token', cluster.token,
        '--initial-cluster-state', 'existing',
        '--heartbeat-interval', '50',
        '--election-timeout', '500',
      ],
    });
  }

  let n4PeerUrl: string;
  let n4InitialCluster: string;

  it('adds a learner and prints the variables to start it with', async () => {
    n4PeerUrl = `http://127.0.0.1:${await freePort()}`;
    const added = await ctl(cluster.endpoints(), ['member', 'add', 'n4', '--learner', `--peer-urls=${n4PeerUrl}`]);
    const header = new RegExp(`^Member +([0-9a-f]+) added to cluster +${clusterId}$`, 'm').exec(added);
    assert.ok(header, `unexpected member add output: ${added}`);
    n4Id = header[1];
    const initialCluster = /^ETCD_INITIAL_CLUSTER="(.*)"$/m.exec(added)?.[1];
    assert.ok(initialCluster, added);
    n4InitialCluster = initialCluster;
    assert.deepEqual(initialCluster.split(',').sort(), [...cluster.initialCluster.split(','), `n4=${n4PeerUrl}`].sort());
    assert.match(added, /^ETCD_NAME="n4"$/m);
    assert.match(added, new RegExp(`^ETCD_INITIAL_ADVERTISE_PEER_URLS="${n4PeerUrl}"$`, 'm'));
    assert.match(added, /^ETCD_INITIAL_CLUSTER_STATE="existing"$/m);
    const listed = (await memberList(cluster.endpoints())).find((m) => m.ID === n4Id);
    assert.ok(listed?.isLearner, 'the new member should be listed as a learner');
    assert.deepEqual(listed.peerURLs, [n4PeerUrl]);
  });

  it('forwards a promote sent to a follower to the leader, which refuses a learner that has not caught up', async () => {
    assert.ok(n4Id, 'needs the member added above');
    const leader = await agreedLeader(cluster);
    const follower = cluster.members.find((m) => m !== leader)!;
    const early = await etcdctl(follower.clientUrl, ['member', 'promote', n4Id]);
    assert.notEqual(early.code, 0);
    assert.match(early.stderr, /Error: etcdserver: can only promote a learner member which is in sync with leader\n/);
  });

  it('starts the learner, which catches up from the existing members', async () => {
    assert.ok(n4Id, 'needs the member added above');
    const leader = await agreedLeader(cluster);
    // Not started yet, so it has none of the leader's log.
    const early = await etcdctl(leader.clientUrl, ['member', 'promote', n4Id]);
    assert.notEqual(early.code, 0);
    assert.match(early.stderr, /Error: etcdserver: can only promote a learner member which is in sync with leader\n/);

    n4 = n4Member(n4PeerUrl, `http://127.0.0.1:${await freePort()}`, tempDir('tetcd-cluster-n4-'), n4InitialCluster);
    await n4.start();
    await n4.waitHealthy(30000);
    await waitFor('the learner to apply the seeded keys', async () =>
      (await getValue(n4!, 'seeded-29', true)) === '29' ? true : undefined);
    const leaderRev = (await endpointStatus(leader.clientUrl))[0].revision;
    await waitFor('the learner to reach the leader revision', async () =>
      (await endpointStatus(n4!.clientUrl))[0].revision === leaderRev ? true : undefined);
  });

  it('serves only serializable reads and status on a learner', async () => {
    assert.ok(n4, 'needs the learner started above');
    assert.equal(await getValue(n4, 'seeded-29', true), '29');
    const linearizable = await etcdctl(n4.clientUrl, ['get', 'seeded-29']);
    assert.notEqual(linearizable.code, 0, 'a learner served a linearizable read');
    assert.match(linearizable.stderr, /Error: etcdserver: rpc not supported for learner\n/);
    const put = await etcdctl(n4.clientUrl, ['put', 'on-learner', 'x']);
    assert.notEqual(put.code, 0, 'a learner accepted a put');
    assert.match(put.stderr, /Error: etcdserver: rpc not supported for learner\n/);
  });

  it('promotes the learner once it has caught up', async () => {
    assert.ok(n4, 'needs the learner started above');
    const leader = await agreedLeader(cluster);
    const promoted = await ctl(leader.clientUrl, ['member', 'promote', n4Id]);
    assert.match(promoted, new RegExp(`^Member +${n4Id} promoted in cluster +${clusterId}$`, 'm'));
    const listed = (await memberList(cluster.endpoints())).find((m) => m.ID === n4Id);
    assert.equal(listed?.isLearner ?? false, false);
    assert.equal(listed?.name, 'n4');
    assert.equal(await getValue(n4, 'seeded-29'), '29', 'a promoted member serves linearizable reads');
    await waitConverged([...cluster.members, n4]);
  });

  it('changes a member\'s peer URLs with member update', async () => {
    assert.ok(n4, 'needs the member added above');
    const newPeerUrl = `http://127.0.0.1:${await freePort()}`;
    const updated = await ctl(cluster.endpoints(), ['member', 'update', n4Id, `--peer-urls=${newPeerUrl}`]);
    assert.match(updated, new RegExp(`^Member +${n4Id} updated in cluster +${clusterId}$`, 'm'));
    for (const m of cluster.members) {
      const seen = (await memberList(m.clientUrl)).find((x) => x.ID === n4Id);
      assert.deepEqual(seen?.peerURLs, [newPeerUrl], `${m.name} lists the old peer URLs`);
    }
    // Restarted on the new URL, n4 takes part again: the others reach it there.
    await n4.stop();
    n4 = n4Member(newPeerUrl, n4.clientUrl, n4.dataDir, `${cluster.initialCluster},n4=${newPeerUrl}`);
    await n4.start();
    await n4.waitHealthy(30000);
    await ctl(cluster.members[0].clientUrl, ['put', 'after-update', 'reached']);
    await waitFor('n4 to apply a write made after the update', async () =>
      (await getValue(n4!, 'after-update', true)) === 'reached' ? true : undefined);
  });

  it('removes a member, which then stops itself', async () => {
    assert.ok(n4, 'needs the member added above');
    const removed = await ctl(cluster.members[1].clientUrl, ['member', 'remove', n4Id]);
    assert.match(removed, new RegExp(`^Member +${n4Id} removed from cluster +${clusterId}$`, 'm'));
    await waitFor('the removed member to exit', async () => (n4!.running() ? undefined : true), 15000).catch((err) => {
      throw new Error(`${(err as Error).message}; its output ends with:\n${n4!.output().slice(-4000)}`);
    });
    assert.match(n4.output(), /removed from the cluster/);
    const left = await memberList(cluster.endpoints());
    assert.deepEqual(left.map((m) => m.ID).sort(), cluster.members.map((m) => m.id).sort());
    // n4 may have been leading; the three left agree on a leader among them and commit.
    await agreedLeader(cluster);
    await ctl(cluster.endpoints(), ['put', 'after-remove', 'ok']);
  });

  describe('--strict-reconfig-check (on by default) with a voting member down', () => {
    let leader: ClusterMember;
    let down: ClusterMember;
    let alive: ClusterMember;

    before(async () => {
      leader = await agreedLeader(cluster);
      [down, alive] = cluster.members.filter((m) => m !== leader);
      await down.kill9();
      // etcd counts a peer as active once connected for 5 s (its health interval); these have been up far longer.
      await sleep(500);
    });

    it('refuses to add a member while not connected to every voter', async () => {
      const add = await etcdctl(leader.clientUrl, ['member', 'add', 'n5', '--learner', `--peer-urls=http://127.0.0.1:${await freePort()}`]);
      const id = /^Member +([0-9a-f]+) added/m.exec(add.stdout)?.[1];
      // A learner cannot break the quorum, so one added by mistake is simply removed again.
      if (id) await ctl(leader.clientUrl, ['member', 'remove', id]);
      assert.notEqual(add.code, 0, `member add succeeded with a member down: ${add.stdout}`);
      assert.match(add.stderr, /Error: etcdserver: unhealthy cluster\n/);
    });

    it('refuses to remove a live member, which would leave no active quorum, but removes the one that is down', async () => {
      const remove = await etcdctl(leader.clientUrl, ['member', 'remove', alive.id]);
      assert.notEqual(remove.code, 0, `removing a live member with another one down succeeded: ${remove.stdout}`);
      assert.match(remove.stderr, /Error: etcdserver: unhealthy cluster\n/);
      assert.equal((await memberList(leader.clientUrl)).length, 3);

      const removeDown = await ctl(leader.clientUrl, ['member', 'remove', down.id]);
      assert.match(removeDown, new RegExp(`^Member +${down.id} removed from cluster +${clusterId}$`, 'm'));
      await ctl(alive.clientUrl, ['put', 'two-left', 'ok']);
      assert.equal(await getValue(leader, 'two-left'), 'ok');
    });
  });
});
