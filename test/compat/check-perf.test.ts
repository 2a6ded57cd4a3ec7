// `etcdctl check perf --load=s` (60 s of puts at a fixed rate, then etcd's pass/fail criteria) against tetcd only:
// running it against etcd too would double the suite's longest test for no extra information.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import { ETCDCTL, etcdctl, run, spawnTetcd, type SpawnedMember } from '../helpers/tetcd';

let member: SpawnedMember;
before(async () => {
  member = await spawnTetcd();
  await member.waitHealthy();
});
after(async () => {
  await member?.stop();
  if (member) fs.rmSync(member.dataDir, { recursive: true, force: true });
});

it('check perf --load=s passes every criterion', async () => {
  const r = await run(ETCDCTL, ['--endpoints', member.clientUrl, 'check', 'perf', '--load=s'], {
    env: { ETCDCTL_API: '3' },
    timeoutMs: 150000,
  });
  // The progress bar goes to stdout with carriage returns; the verdict lines follow it.
  const verdict = r.stdout.slice(r.stdout.lastIndexOf('\n', r.stdout.indexOf('Throughput')) + 1);
  assert.match(verdict, /^PASS: Throughput is \d+ writes\/s$/m, verdict);
  assert.match(verdict, /^PASS: Slowest request took [0-9.]+s$/m, verdict);
  assert.match(verdict, /^PASS: Stddev is [0-9.]+s$/m, verdict);
  assert.match(verdict, /^PASS$/m, verdict);
  assert.equal(r.code, 0, r.stderr);
  // It cleans up after itself.
  assert.equal((await etcdctl(member.clientUrl, ['get', '/etcdctl-check-perf/', '--prefix', '--keys-only'])).stdout, '');
});
