// Network partitions cut with the test-only fault injection: a member cut off from the other two can neither commit
// nor serve linearizable reads, the two others keep (or elect) a leader and commit, and after healing every member
// converges on the same data.
//
// What etcd 3.4 answers on the minority side (checked against real etcd with the two others frozen): a put fails
// after the request timeout (5 s + 2 × election timeout) with "etcdserver: request timed out" when its proposal
// entered the log, or with "context deadline exceeded" when no leader was known to take it; a linearizable read
// never completes, so the client's own deadline ends it. tetcd answers sooner, as its cluster issue asks: a member
// that lost its leader fails the put with etcd's "no leader" (or "leader changed" for a proposal that was already
// waiting when the leader went away) instead of making the client wait for the timeout.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  etcdctl,
  haveEtcdctl,
  isolate,
  spawnCluster,
  type ClusterMember,
  type CommandResult,
  type TetcdCluster,
} from '../helpers/tetcd';
import { agreedLeader, ctl, getValue, sleep, waitConverged } from './util';

const ELECTION_MS = 500;
const REQUEST_TIMEOUT_MS = 5000 + 2 * ELECTION_MS;

describe('network partitions', { skip: !haveEtcdctl() && 'etcdctl not installed' }, () => {
  let cluster: TetcdCluster;

  before(async () => {
    cluster = await spawnCluster(3, { electionMs: ELECTION_MS });
  });

  after(async () => {
    await cluster?.destroy();
  });

  async function partitionAndHeal(minority: ClusterMember, tag: string): Promise<void> {
    const majority = cluster.members.filter((m) => m !== minority);
    await ctl(minority.clientUrl, ['put', `${tag}-before`, 'committed']);
    await isolate(minority, majority.map((m) => m.id));
    let put: CommandResult;
    try {
      const started = Date.now();
      put = await etcdctl(minority.clientUrl, ['--command-timeout=15s', 'put', `${tag}-minority`, 'lost']);
      const took = Date.now() - started;
      assert.notEqual(put.code, 0, `a put on the cut-off member succeeded: ${put.stdout}`);
      assert.ok(took <= REQUEST_TIMEOUT_MS + 3000, `the put took ${took} ms to fail`);

      const read = await etcdctl(minority.clientUrl, ['--command-timeout=3s', 'get', `${tag}-before`]);
      assert.notEqual(read.code, 0, `a linearizable read on the cut-off member was served: ${read.stdout}`);
      // Its own store still answers serializable reads.
      assert.equal(await getValue(minority, `${tag}-before`, true), 'committed');

      const leader = await agreedLeader(cluster, majority);
      assert.notEqual(leader.id, minority.id);
      await ctl(majority[0].clientUrl, ['put', `${tag}-majority`, 'committed']);
      assert.equal(await getValue(majority[1], `${tag}-majority`), 'committed');
    } finally {
      await isolate(minority, []);
    }

    await waitConverged(cluster.members, 30000);
    assert.equal(await getValue(minority, `${tag}-majority`), 'committed');
    await agreedLeader(cluster);
    // Checked last so that a wrong message does not hide how the partition itself behaved.
    assert.match(put.stderr, /Error: etcdserver: (no leader|leader changed|request timed out)\n/);
  }

  it('cuts off a follower', async () => {
    const leader = await agreedLeader(cluster);
    await partitionAndHeal(cluster.members.find((m) => m !== leader)!, 'follower-cut');
  });

  it('cuts off the leader', async () => {
    // Let the cluster settle after the previous heal so the leader is stable when it is cut off.
    await sleep(2 * ELECTION_MS);
    await partitionAndHeal(await agreedLeader(cluster), 'leader-cut');
  });
});
