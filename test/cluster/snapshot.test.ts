// A follower that was down while the leader snapshotted and compacted its log catches up from a snapshot of the
// leader's store rather than from log entries. Like etcd, tetcd keeps the last 5000 entries after each snapshot for
// slow followers, so the follower must miss more than that: 500 keys are each written 11 times.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { haveEtcdctl, spawnCluster, type TetcdCluster } from '../helpers/tetcd';
import { agreedLeader, getValue, waitConverged } from './util';

const KEYS = 500;
const ROUNDS = 11;
const CONCURRENCY = 50;

describe('snapshot catch-up', { skip: !haveEtcdctl() && 'etcdctl not installed' }, () => {
  let cluster: TetcdCluster;

  before(async () => {
    cluster = await spawnCluster(3, { args: ['--snapshot-count', '100'] });
  });

  after(async () => {
    await cluster?.destroy();
  });

  it('sends a restarted follower a snapshot once the entries it misses are compacted away', async () => {
    const leader = await agreedLeader(cluster);
    const follower = cluster.members.find((m) => m !== leader)!;
    assert.equal(await follower.stop(), 0);

    const client = new Etcd3({ hosts: leader.clientUrl });
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (let first = 0; first < KEYS; first += CONCURRENCY) {
          const batch = Array.from({ length: Math.min(CONCURRENCY, KEYS - first) }, (_, j) => first + j);
          await Promise.all(batch.map((i) => client.put(`snap/${String(i).padStart(3, '0')}`).value(`${round}-${i}`).exec()));
        }
      }
    } finally {
      client.close();
    }

    await follower.start();
    await follower.waitHealthy(30000);
    await waitConverged(cluster.members, 30000);
    assert.match(follower.output(), /restored the store from a snapshot/);
    assert.equal(await getValue(follower, 'snap/499', true), `${ROUNDS - 1}-499`);
    assert.equal(await getValue(follower, 'snap/000', true), `${ROUNDS - 1}-0`);
  });
});
