// A healthy three-member cluster: every member serves every request, whichever member leads, and the maintenance
// commands etcdctl runs across the cluster see one leader, one term and one data set.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ETCDCTL,
  etcdctl,
  haveEtcdctl,
  run,
  spawnCluster,
  startEtcdctl,
  type ClusterMember,
  type TetcdCluster,
} from '../helpers/tetcd';
import { agreedLeader, ctl, endpointStatus, getValue, hashKvs, parseJsonIds, sleep, waitConverged, waitFor } from './util';

describe('a healthy three-member cluster', { skip: !haveEtcdctl() && 'etcdctl not installed' }, () => {
  let cluster: TetcdCluster;
  let leader: ClusterMember;
  let followers: ClusterMember[];
  let expiredLease: string | undefined;

  before(async () => {
    cluster = await spawnCluster(3);
    leader = await agreedLeader(cluster);
    followers = cluster.members.filter((m) => m !== leader);
  });

  after(async () => {
    await cluster?.destroy();
  });

  it('reads a write made on one member from every other member', async () => {
    for (const writer of cluster.members) {
      const key = `written-on-${writer.name}`;
      await ctl(writer.clientUrl, ['put', key, writer.id]);
      for (const reader of cluster.members) {
        assert.equal(await getValue(reader, key), writer.id, `linearizable read of ${key} on ${reader.name}`);
        // A serializable read answers from the member's own store, which may apply the entry a moment later.
        await waitFor(`${reader.name} to apply ${key}`, async () =>
          (await getValue(reader, key, true)) === writer.id ? true : undefined, 5000, 50);
      }
    }
  });

  it('delivers a write made on the leader to a watch on a follower', async () => {
    const rev = (await endpointStatus(followers[0].clientUrl))[0].revision;
    const watch = startEtcdctl(followers[0].clientUrl, ['watch', 'watched', '--rev', String(rev + 1)]);
    try {
      await ctl(leader.clientUrl, ['put', 'watched', 'from-the-leader']);
      await ctl(followers[1].clientUrl, ['put', 'watched', 'from-the-other-follower']);
      await watch.waitFor(/PUT\nwatched\nfrom-the-leader\nPUT\nwatched\nfrom-the-other-follower\n/);
    } finally {
      await watch.stop();
    }
  });

  it('keeps a lease granted and renewed on followers, and deletes its keys everywhere when it expires', async () => {
    const granted = await ctl(followers[0].clientUrl, ['lease', 'grant', '5']);
    const id = /^lease ([0-9a-f]+) granted with TTL\(5s\)$/m.exec(granted)?.[1];
    assert.ok(id, `unexpected lease grant output: ${granted}`);
    await ctl(followers[1].clientUrl, ['put', 'leased', 'v', '--lease', id]);
    for (const m of cluster.members) assert.equal(await getValue(m, 'leased'), 'v');

    const remaining = async (m: ClusterMember): Promise<number> => {
      const out = await ctl(m.clientUrl, ['lease', 'timetolive', id]);
      if (out === `lease ${id} already expired\n`) return -1;
      const r = /remaining\((-?\d+)s\)/.exec(out);
      assert.ok(r, `unexpected timetolive output: ${out}`);
      return Number(r[1]);
    };
    await sleep(2500);
    assert.ok((await remaining(leader)) <= 3, 'the lease should have run down before the keep-alive');
    const kept = await ctl(followers[1].clientUrl, ['lease', 'keep-alive', '--once', id]);
    assert.match(kept, new RegExp(`^lease ${id} keepalived with TTL\\(5\\)$`, 'm'));
    assert.ok((await remaining(leader)) >= 4, 'a keep-alive sent to a follower must renew the lease on the leader');
    assert.equal(await getValue(followers[0], 'leased'), 'v');

    // No more keep-alives: the leader revokes the lease and every member loses the key.
    await waitFor('the lease to expire', async () => ((await remaining(followers[0])) === -1 ? true : undefined), 10000);
    for (const m of cluster.members) {
      assert.equal(await getValue(m, 'leased'), undefined, `leased key still on ${m.name}`);
      await waitFor(`${m.name} to apply the revoke`, async () =>
        (await getValue(m, 'leased', true)) === undefined ? true : undefined, 5000, 50);
    }
    expiredLease = id;
  });

  it('answers a keep-alive for an expired lease with etcd\'s error, on the leader and on a follower', async () => {
    assert.ok(expiredLease, 'needs the lease that expired above');
    for (const m of [leader, followers[0]]) {
      // etcdctl's keep-alive --once has no deadline of its own: a member that never answers would hang it.
      const r = await run(ETCDCTL, ['--endpoints', m.clientUrl, 'lease', 'keep-alive', '--once', expiredLease], {
        env: { ETCDCTL_API: '3' },
        timeoutMs: 10000,
      });
      assert.equal(r.code, 2, `keep-alive of an expired lease on ${m === leader ? 'the leader' : 'a follower'}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /Error: etcdserver: requested lease not found\n/);
    }
  });

  it('reports exactly one leader and one term in endpoint status --cluster', async () => {
    const st = parseJsonIds(await ctl(followers[0].clientUrl, ['endpoint', 'status', '--cluster', '-w', 'json'])) as any[];
    assert.deepEqual(st.map((s) => s.Endpoint).sort(), cluster.members.map((m) => m.clientUrl).sort());
    assert.deepEqual(new Set(st.map((s) => s.Status.leader)), new Set([leader.id]));
    assert.equal(st.filter((s) => s.Status.header.member_id === s.Status.leader).length, 1);
    assert.equal(new Set(st.map((s) => s.Status.raftTerm)).size, 1, JSON.stringify(st));
    assert.equal(new Set(st.map((s) => s.Status.header.cluster_id)).size, 1);
  });

  it('reports every member healthy in endpoint health --cluster', async () => {
    // etcdctl 3.4 prints the per-endpoint health lines on stderr.
    const r = await etcdctl(leader.clientUrl, ['endpoint', 'health', '--cluster']);
    assert.equal(r.code, 0, r.stderr);
    for (const m of cluster.members) {
      assert.match(r.stderr, new RegExp(`^${m.clientUrl} is healthy: successfully committed proposal: took = `, 'm'));
    }
  });

  it('reports the same HashKV on every member at the same revision', async () => {
    for (let i = 0; i < 10; i++) await ctl(cluster.members[i % 3].clientUrl, ['put', `hashed-${i}`, String(i)]);
    const rev = await waitConverged(cluster.members);
    // Also at an explicit revision, through --cluster: every member hashes the same history.
    const at = parseJsonIds(await ctl(leader.clientUrl, ['endpoint', 'hashkv', '--cluster', '--rev', String(rev - 5), '-w', 'json'])) as any[];
    assert.equal(at.length, 3);
    assert.equal(new Set(at.map((h) => h.HashKV.hash)).size, 1, JSON.stringify(at));
    // A different revision hashes differently: the comparison above is not vacuous.
    const now = await hashKvs(leader.clientUrl);
    assert.notEqual(now[0].hash, at[0].HashKV.hash);
  });

  it('moves leadership to a follower with move-leader', async () => {
    const target = followers[0];
    const out = await ctl(cluster.endpoints(), ['move-leader', target.id]);
    assert.match(out, new RegExp(`^Leadership transferred from ${leader.id} to ${target.id}$`, 'm'));
    const now = await agreedLeader(cluster);
    assert.equal(now.id, target.id);
    await ctl(leader.clientUrl, ['put', 'after-move', 'ok']);
    assert.equal(await getValue(target, 'after-move'), 'ok');
  });
});
