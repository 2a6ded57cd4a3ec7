// A single tetcd member must keep every write it acknowledged across kill -9 and clean restarts, must keep counting
// revisions from where it stopped, and must enforce --quota-backend-bytes with etcd's NOSPACE alarm semantics.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { etcdctl, spawnTetcd, tempDir, type SpawnedMember } from '../helpers/tetcd';

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

const portOf = (url: string): number => Number(new URL(url).port);

/**
 * Starts a member on `dataDir`, reusing the ports of `previous` so the member's recorded URLs stay valid, and waits
 * until it serves reads. (Not /health: like etcd's, it answers 503 while an alarm is raised.)
 */
async function startMember(dataDir: string, previous?: SpawnedMember, args: string[] = []): Promise<SpawnedMember> {
  const m = await spawnTetcd({
    dataDir,
    clientPort: previous && portOf(previous.clientUrl),
    peerPort: previous && portOf(previous.peerUrl),
    args,
  });
  cleanup.push(() => m.kill9());
  const deadline = Date.now() + 30000;
  while ((await etcdctl(m.clientUrl, ['get', 'probe'])).code !== 0) {
    if (m.proc.exitCode !== null || Date.now() > deadline) throw new Error(`tetcd did not start serving:\n${m.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return m;
}

function client(m: SpawnedMember): Etcd3 {
  const c = new Etcd3({ hosts: m.clientUrl });
  cleanup.push(() => c.close());
  return c;
}

interface Acked {
  key: string;
  value: string;
  revision: number;
}

/** Several writers put distinct keys until told to stop or until a put fails; returns every acknowledged put. */
function startWriters(c: Etcd3, prefix: string, writers: number): { stop(): void; done: Promise<Acked[]> } {
  let stopped = false;
  const acked: Acked[] = [];
  const loops = Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; !stopped; i++) {
      const key = `${prefix}${w}-${i}`;
      const value = `value-${w}-${i}`;
      try {
        const res = await c.put(key).value(value).exec();
        acked.push({ key, value, revision: Number(res.header.revision) });
      } catch {
        return;
      }
    }
  });
  return {
    stop: () => {
      stopped = true;
    },
    done: Promise.all(loops).then(() => acked),
  };
}

/** Asserts every acknowledged put is readable with its value and revision; returns the store's current revision. */
async function assertAllPresent(c: Etcd3, prefix: string, acked: Acked[]): Promise<number> {
  const res = await c.getAll().prefix(prefix).exec();
  const byKey = new Map(res.kvs.map((kv) => [kv.key.toString(), kv]));
  for (const a of acked) {
    const kv = byKey.get(a.key);
    assert.ok(kv, `acknowledged key ${a.key} (revision ${a.revision}) is missing`);
    assert.equal(kv.value.toString(), a.value);
    assert.equal(Number(kv.mod_revision), a.revision, `${a.key} has the wrong mod_revision`);
  }
  return Number(res.header.revision);
}

/** The next put must get exactly the revision after `current`: nothing is reused or skipped after a restart. */
async function assertRevisionsContinue(c: Etcd3, current: number): Promise<void> {
  const res = await c.put('after-restart').value(String(current)).exec();
  assert.equal(Number(res.header.revision), current + 1);
}

describe('durability', () => {
  const dataDir = tempDir('tetcd-durability-');
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  let member: SpawnedMember;
  let all: Acked[] = [];

  it('keeps every acknowledged write across kill -9 during writes', async () => {
    member = await startMember(dataDir);
    const writers = startWriters(client(member), 'k/', 4);
    // The moment varies from run to run on purpose; the property must hold for any of them.
    const killAfterMs = 400 + Math.floor(Math.random() * 800);
    await new Promise((r) => setTimeout(r, killAfterMs));
    await member.kill9();
    writers.stop();
    all = await writers.done;
    assert.ok(all.length > 0, `no write was acknowledged in ${killAfterMs} ms`);

    member = await startMember(dataDir, member);
    const c = client(member);
    const current = await assertAllPresent(c, 'k/', all);
    assert.ok(current >= Math.max(...all.map((a) => a.revision)), 'revision went backwards');
    await assertRevisionsContinue(c, current);
  });

  it('keeps everything across a clean SIGTERM restart', async () => {
    const writers = startWriters(client(member), 'k/more-', 2);
    await new Promise((r) => setTimeout(r, 300));
    writers.stop();
    all = all.concat(await writers.done);
    assert.equal(await member.stop(), 0, `tetcd did not exit cleanly on SIGTERM:\n${member.output()}`);

    member = await startMember(dataDir, member);
    const c = client(member);
    const current = await assertAllPresent(c, 'k/', all);
    await assertRevisionsContinue(c, current);
  });

  it('survives kill -9 right after startup with nothing new written', async () => {
    await member.kill9();
    member = await startMember(dataDir, member);
    const c = client(member);
    const current = await assertAllPresent(c, 'k/', all);
    await assertRevisionsContinue(c, current);
    await member.stop();
  });
});

describe('backend quota', () => {
  const QUOTA = 64 * 1024;
  const dataDir = tempDir('tetcd-quota-');
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  let member: SpawnedMember;
  const ctl = (...args: string[]) => etcdctl(member.clientUrl, args);

  it('raises NOSPACE once the database outgrows --quota-backend-bytes', async () => {
    member = await startMember(dataDir, undefined, ['--quota-backend-bytes', String(QUOTA)]);
    const c = client(member);
    const value = 'v'.repeat(1024);
    let error: Error | undefined;
    // Overwriting one key leaves old revisions behind, so compaction can later reclaim the space.
    for (let i = 0; i < 4 * (QUOTA / 1024) && !error; i++) {
      await c.put('q').value(value + i).exec().catch((err: Error) => (error = err));
    }
    assert.ok(error, 'the quota was never enforced');
    assert.match(error.message, /database space exceeded/);

    const put = await ctl('put', 'q', 'more');
    assert.equal(put.code, 1);
    assert.match(put.stderr, /\nError: etcdserver: mvcc: database space exceeded\n$/);
    const alarms = await ctl('alarm', 'list');
    assert.match(alarms.stdout, /^memberID:\d+ alarm:NOSPACE \n$/);
    const status = await ctl('endpoint', 'status');
    assert.match(status.stdout, /memberID:\d+ alarm:NOSPACE $/m);
    // Reads and deletes still work under the alarm.
    assert.equal((await ctl('get', 'q', '--print-value-only')).code, 0);
  });

  it('compact + defrag + alarm disarm restores writes', async () => {
    const r = await ctl('get', 'q', '-w', 'json');
    const rev = /"revision":(\d+)/.exec(r.stdout)![1];
    assert.equal((await ctl('compaction', rev, '--physical')).stdout, `compacted revision ${rev}\n`);
    assert.equal((await ctl('defrag')).code, 0);
    const disarm = await ctl('alarm', 'disarm');
    assert.match(disarm.stdout, /^memberID:\d+ alarm:NOSPACE \n$/);
    assert.equal((await ctl('alarm', 'list')).stdout, '');
    const put = await ctl('put', 'q', 'fits again');
    assert.equal(put.stdout, 'OK\n', put.stderr);
    assert.equal((await ctl('get', 'q', '--print-value-only')).stdout, 'fits again\n');
  });

  it('keeps the alarm across a restart until disarmed', async () => {
    const c = client(member);
    let error: Error | undefined;
    for (let i = 0; i < 4 * (QUOTA / 1024) && !error; i++) {
      await c.put('q').value('w'.repeat(1024) + i).exec().catch((err: Error) => (error = err));
    }
    assert.ok(error, 'the quota was never enforced the second time');
    await member.stop();
    member = await startMember(dataDir, member, ['--quota-backend-bytes', String(QUOTA)]);
    assert.match((await ctl('alarm', 'list')).stdout, /alarm:NOSPACE/);
    assert.match((await ctl('put', 'x', 'y')).stderr, /Error: etcdserver: mvcc: database space exceeded/);
    await member.stop();
  });
});
