// `etcdctl check perf --load=s` (60 s of puts at a fixed rate, then etcd's pass/fail criteria) against tetcd only:
// running it against etcd too would double the suite's longest test for no extra information.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import path from 'node:path';
import { ETCDCTL, REPO_ROOT, etcdctl, run, spawnTetcd, type SpawnedMember } from '../helpers/tetcd';

const TETCDCTL_BIN = path.join(REPO_ROOT, 'bin', 'tetcdctl');

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

it("tetcdctl check perf --load=s prints etcdctl's verdict lines and exit code", async () => {
  const r = await run(process.execPath, [TETCDCTL_BIN, '--endpoints', member.clientUrl, 'check', 'perf', '--load=s'], {
    timeoutMs: 150000,
  });
  const lines = r.stdout.split('\n');
  // The machine decides PASS or FAIL (the same criteria as etcdctl); the lines and the exit code must agree with it.
  const checks = [/^(PASS|FAIL): Throughput is \d+ writes\/s$/, /^(PASS|FAIL): Slowest request took [0-9.]+s$/, /^(PASS|FAIL): Stddev is [0-9.]+s$/];
  const results = checks.map((re) => {
    const line = lines.find((l) => re.test(l));
    assert.ok(line, `missing ${re} in:\n${r.stdout}`);
    return line.startsWith('PASS');
  });
  const allPass = results.every(Boolean);
  assert.ok(lines.includes(allPass ? 'PASS' : 'FAIL'), r.stdout);
  assert.equal(r.code === 0, allPass, `exit code ${r.code} for ${allPass ? 'PASS' : 'FAIL'}: ${r.stderr}`);
  assert.equal((await etcdctl(member.clientUrl, ['get', '/etcdctl-check-perf/', '--prefix', '--keys-only'])).stdout, '');
});
