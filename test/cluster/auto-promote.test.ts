// --auto-promote-learners (tetcd only): the leader promotes a learner to a voter once it has caught up.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { freePort, spawnTetcd, tempDir, type SpawnedMember } from '../helpers/tetcd';
import { ctl, waitFor } from './util';

const started: SpawnedMember[] = [];
after(async () => {
  for (const m of started) await m.kill9();
});

test('a learner that has caught up is promoted without a member promote', async () => {
  const first = await spawnTetcd({ name: 'm1', args: ['--auto-promote-learners', '--heartbeat-interval', '50', '--election-timeout', '500'] });
  started.push(first);
  await first.waitHealthy();
  for (let i = 0; i < 20; i++) await ctl(first.clientUrl, ['put', `k${i}`, `v${i}`]);

  const peerPort = await freePort();
  const clientPort = await freePort();
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const added = await ctl(first.clientUrl, ['member', 'add', 'm2', '--learner', `--peer-urls=${peerUrl}`]);
  assert.match(added, /added to cluster/);
  const learnerListed = JSON.parse(await ctl(first.clientUrl, ['member', 'list', '-w', 'json']).then((s) => s.replace(/"ID":(\d+)/g, '"ID":"$1"'))) as {
    members: Array<{ name: string; peerURLs: string[]; isLearner?: boolean }>;
  };
  assert.equal(learnerListed.members.find((m) => m.peerURLs.includes(peerUrl))?.isLearner, true);

  const second = await spawnTetcd({
    name: 'm2',
    dataDir: tempDir(),
    clientPort,
    peerPort,
    args: [
      '--initial-cluster', `m1=${first.peerUrl},m2=${peerUrl}`,
      '--initial-cluster-state', 'existing',
      '--heartbeat-interval', '50',
      '--election-timeout', '500',
    ],
  });
  started.push(second);

  await waitFor('the learner to be promoted', async () => {
    const list = await ctl(first.clientUrl, ['member', 'list']);
    const line = list.split('\n').find((l) => l.includes(peerUrl));
    return line !== undefined && line.endsWith(', false') && line.includes(', started, m2,') ? line : undefined;
  }, 30000);
  assert.equal(await ctl(second.clientUrl, ['get', 'k19', '--print-value-only']), 'v19\n');
});
