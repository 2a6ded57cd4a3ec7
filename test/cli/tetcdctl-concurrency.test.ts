// lock and elect against a tetcd member: the lock is exclusive and released on interrupt; a campaign prints the
// leader's key and value; an observer sees the leader.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnTetcd, type SpawnedMember } from '../helpers/tetcd';
import { ctl, startCtl, type InProcessRun } from './ctl-helpers';

async function waitFor(run: InProcessRun, pattern: RegExp, what: string): Promise<void> {
  for (let i = 0; !pattern.test(run.stdout()); i++) {
    assert.ok(i < 200, `${what}: never printed ${pattern}, got ${JSON.stringify(run.stdout())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tetcdctl lock and elect', () => {
  let member: SpawnedMember;
  let ep: string;

  before(async () => {
    member = await spawnTetcd();
    await member.waitHealthy();
    ep = member.clientUrl;
  });

  after(async () => {
    await member?.stop();
  });

  it('holds a lock until interrupted, then lets the next holder in', async () => {
    const first = startCtl(['--endpoints', ep, 'lock', 'jobs']);
    await waitFor(first, /^jobs\/[0-9a-f]+\n\n$/, 'first lock');
    const second = startCtl(['--endpoints', ep, 'lock', 'jobs', '--', 'sh', '-c', 'echo "held $ETCD_LOCK_KEY"']);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(second.stdout(), '', 'the second holder must wait');
    first.interrupt();
    assert.equal((await first.result).code, 0);
    const res = await second.result;
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^held jobs\/[0-9a-f]+\n$/);
    // Both sessions are gone: nothing is left under the lock's prefix.
    assert.equal((await ctl(['--endpoints', ep, 'get', 'jobs/', '--prefix', '--count-only', '-w', 'fields'])).stdout.includes('"Count" : 0'), true);
  });

  it('campaigns, prints the leader, and resigns on interrupt', async () => {
    const leader = startCtl(['--endpoints', ep, 'elect', 'office', 'alice']);
    await waitFor(leader, /^office\/[0-9a-f]+\nalice\n$/, 'campaign');
    const observer = startCtl(['--endpoints', ep, 'elect', '-l', 'office']);
    await waitFor(observer, /^office\/[0-9a-f]+\nalice\n/, 'observer');
    leader.interrupt();
    observer.interrupt();
    assert.equal((await leader.result).code, 0);
    assert.equal((await observer.result).code, 0);
  });
});
