// Members killed with SIGKILL: the survivors keep a leader and keep committing, a restarted member rejoins from its
// data dir and catches up, and a whole cluster killed mid-write loses no acknowledged write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { haveEtcdctl, spawnCluster, type ClusterMember, type TetcdCluster } from '../helpers/tetcd';
import { agreedLeader, ctl, getValue, sleep, waitConverged } from './util';

interface Acked {
  key: string;
  value: string;
}

/** Writers put distinct keys through `client` until stopped or until a put fails, recording each acknowledged put. */
function startWriters(client: Etcd3, prefix: string, writers: number): { stop(): void; acked: Acked[]; done: Promise<unknown> } {
  let stopped = false;
  const acked: Acked[] = [];
  const loops = Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; !stopped; i++) {
      const key = `${prefix}${w}-${i}`;
      const value = `value-${w}-${i}`;
      try {
        await client.put(key).value(value).exec();
        acked.push({ key, value });
      } catch {
        return;
      }
    }
  });
  return { stop: () => (stopped = true), acked, done: Promise.all(loops) };
}

describe('members killed with SIGKILL', { skip: !haveEtcdctl() && 'etcdctl not installed' }, () => {
  let cluster: TetcdCluster;

  before(async () => {
    cluster = await spawnCluster(3);
  });

  after(async () => {
    await cluster?.destroy();
  });

  async function restart(m: ClusterMember): Promise<void> {
    await m.start();
    await m.waitHealthy(30000);
  }

  it('elects a new leader when the leader dies, and the old leader rejoins and catches up', async () => {
    const old = await agreedLeader(cluster);
    await ctl(old.clientUrl, ['put', 'before-leader-crash', '1']);
    await old.kill9();
    const survivors = cluster.members.filter((m) => m !== old);
    const next = await agreedLeader(cluster, survivors);
    assert.notEqual(next.id, old.id);
    for (let i = 0; i < 20; i++) await ctl(survivors[i % 2].clientUrl, ['put', `after-leader-crash-${i}`, String(i)]);

    await restart(old);
    assert.equal(await getValue(old, 'after-leader-crash-19'), '19');
    await waitConverged(cluster.members);
  });

  it('catches up a follower restarted after SIGKILL', async () => {
    const leader = await agreedLeader(cluster);
    const follower = cluster.members.find((m) => m !== leader)!;
    await follower.kill9();
    for (let i = 0; i < 20; i++) await ctl(leader.clientUrl, ['put', `while-follower-down-${i}`, String(i)]);
    await restart(follower);
    await waitConverged(cluster.members);
    assert.equal(await getValue(follower, 'while-follower-down-19', true), '19');
  });

  it('keeps every acknowledged write when all members are killed during writes', async () => {
    const client = new Etcd3({ hosts: cluster.members.map((m) => m.clientUrl) });
    let acked: Acked[];
    try {
      const writers = startWriters(client, 'acked/', 4);
      await sleep(1500);
      await Promise.all(cluster.members.map((m) => m.kill9()));
      writers.stop();
      // The client may keep retrying a put whose member died; what was acknowledged so far is what counts.
      await Promise.race([writers.done, sleep(5000)]);
      acked = [...writers.acked];
    } finally {
      client.close();
    }
    assert.ok(acked.length > 10, `only ${acked.length} writes were acknowledged before the kill`);

    await Promise.all(cluster.members.map((m) => m.start()));
    await cluster.waitHealthy(30000);
    await waitConverged(cluster.members);
    const leader = await agreedLeader(cluster);
    const lines = (await ctl(leader.clientUrl, ['get', 'acked/', '--prefix'])).split('\n');
    const stored = new Map<string, string>();
    for (let i = 0; i + 1 < lines.length; i += 2) stored.set(lines[i], lines[i + 1]);
    for (const a of acked) assert.equal(stored.get(a.key), a.value, `acknowledged write ${a.key} is missing after the restart`);
  });
});
