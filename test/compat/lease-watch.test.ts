// etcdctl lease and watch commands against tetcd must behave like real etcd 3.4.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertSame, jsonUint, normalise, registerLease, runBoth, startPair, type Pair, type Side } from '../helpers/compat';
import { etcdctl, startEtcdctl, type RunningCommand } from '../helpers/tetcd';

let pair: Pair;
before(async () => {
  pair = await startPair();
});
after(async () => {
  await pair?.stop();
});

const leases = new Map<Side, Record<string, string>>();
const lease = (side: Side, name: string): string => leases.get(side)![name];

async function grant(ttl: number, name: string): Promise<void> {
  await Promise.all(
    pair.sides.map(async (side) => {
      const r = await etcdctl(side.member.clientUrl, ['lease', 'grant', String(ttl)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.replace(/[0-9a-f]{16}/, 'ID'), `lease ID granted with TTL(${ttl}s)\n`);
      const id = registerLease(side, r.stdout, `<${name}>`);
      leases.set(side, { ...leases.get(side), [name]: id });
    }),
  );
}

async function currentRevision(side: Side): Promise<bigint> {
  const r = await etcdctl(side.member.clientUrl, ['get', 'x', '-w', 'json']);
  return jsonUint(r.stdout, 'revision');
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('etcdctl lease', () => {
  it('grants, attaches keys, and shows the lease on them', async () => {
    await grant(60, 'long');
    await assertSame(pair, (s) => ['put', 'l/1', 'v1', '--lease', lease(s, 'long')]);
    await assertSame(pair, (s) => ['put', 'l/2', 'v2', '--lease', lease(s, 'long'), '-w', 'json']);
    const r = await assertSame(pair, ['get', 'l/1', '-w', 'json']);
    assert.match(r.stdout, /"lease":<long>/);
    await assertSame(pair, ['get', 'l/', '--prefix', '-w', 'fields']);
  });

  it('timetolive with --keys', async () => {
    const results = await runBoth(pair, (s) => ['lease', 'timetolive', lease(s, 'long'), '--keys']);
    for (const r of results) {
      // etcd lists a lease's keys in Go map order, which varies from run to run.
      assert.match(r.stdout, /^lease <long> granted with TTL\(60s\), remaining\((5\d|60)s\), attached keys\(\[(l\/1 l\/2|l\/2 l\/1)\]\)\n$/);
    }
    const json = await runBoth(pair, (s) => ['lease', 'timetolive', lease(s, 'long'), '--keys', '-w', 'json']);
    const strip = (t: string) =>
      t.replace(/"ttl":\d+/, '"ttl":<remaining>').replace(/"keys":\[([^\]]*)\]/, (_m, keys: string) => `"keys":[${keys.split(',').sort().join(',')}]`);
    assert.equal(strip(json[0].stdout), strip(json[1].stdout));
    assert.match(json[0].stdout, /"granted-ttl":60,"keys":\["bC8x","bC8y"\]/);
  });

  it('keep-alive --once', async () => {
    const r = await assertSame(pair, (s) => ['lease', 'keep-alive', '--once', lease(s, 'long')]);
    assert.equal(r.stdout, 'lease <long> keepalived with TTL(60)\n');
    await assertSame(pair, (s) => ['lease', 'keep-alive', '--once', lease(s, 'long'), '-w', 'json']);
  });

  it('list', async () => {
    await grant(120, 'other');
    const r = await runBoth(pair, ['lease', 'list']);
    for (const x of r) {
      assert.equal(x.code, 0);
      // The order follows the lease IDs, which each server picks differently; compare as sets.
      assert.deepEqual(x.stdout.split('\n').sort(), ['', '<long>', '<other>', 'found 2 leases'].sort());
    }
  });

  it('put --ignore-lease keeps the lease; a put without it detaches the key', async () => {
    await assertSame(pair, ['put', 'l/1', 'v3', '--ignore-lease']);
    await assertSame(pair, ['put', 'l/2', 'v4']);
    const r = await assertSame(pair, ['get', 'l/', '--prefix', '-w', 'json']);
    assert.match(r.stdout, /"value":"djM=","lease":<long>\}/);
    assert.match(r.stdout, /"value":"djQ="\}/);
  });

  it('revoke deletes the attached keys', async () => {
    assert.equal((await assertSame(pair, (s) => ['lease', 'revoke', lease(s, 'long')])).stdout, 'lease <long> revoked\n');
    assert.equal((await assertSame(pair, ['get', 'l/', '--prefix'])).stdout, 'l/2\nv4\n');
    const r = await assertSame(pair, (s) => ['lease', 'timetolive', lease(s, 'long'), '--keys']);
    assert.equal(r.stdout, 'lease <long> already expired\n');
  });

  it('errors on unknown leases', async () => {
    const revoke = await assertSame(pair, (s) => ['lease', 'revoke', lease(s, 'long')]);
    assert.match(revoke.stderr, /Error: failed to revoke lease \(etcdserver: requested lease not found\)/);
    const keep = await assertSame(pair, (s) => ['lease', 'keep-alive', '--once', lease(s, 'long')]);
    assert.match(keep.stderr, /Error: etcdserver: requested lease not found/);
    await assertSame(pair, ['put', 'k', 'v', '--lease', 'ffff']);
    await assertSame(pair, ['lease', 'revoke', 'nothex']);
  });

  it('grant 0 gets the minimum TTL', async () => {
    const r = await runBoth(pair, ['lease', 'grant', '0']);
    for (const x of r) assert.match(x.stdout, /^lease [0-9a-f]+ granted with TTL\(2s\)\n$/);
  });

  it('an expired lease deletes its keys, and a watcher sees the deletes', async () => {
    await grant(2, 'short');
    const watchers = new Map<Side, RunningCommand>();
    for (const side of pair.sides) {
      const from = (await currentRevision(side)) + 1n;
      watchers.set(side, startEtcdctl(side.member.clientUrl, ['watch', '--prefix', 'e/', '--rev', String(from)]));
    }
    try {
      await assertSame(pair, (s) => ['put', 'e/1', 'x', '--lease', lease(s, 'short')]);
      await assertSame(pair, (s) => ['put', 'e/2', 'y', '--lease', lease(s, 'short')]);
      for (const side of pair.sides) {
        await until(`${side.label} to expire lease keys`, async () => {
          const r = await etcdctl(side.member.clientUrl, ['get', 'e/', '--prefix', '--keys-only']);
          return r.code === 0 && r.stdout === '';
        });
      }
      await assertSame(pair, ['get', 'e/', '--prefix', '-w', 'json']);
      const ttl = await assertSame(pair, (s) => ['lease', 'timetolive', lease(s, 'short')]);
      assert.equal(ttl.stdout, 'lease <short> already expired\n');
      for (const w of watchers.values()) await w.waitFor(/DELETE\ne\/1\n\nDELETE\ne\/2\n\n/);
    } finally {
      for (const w of watchers.values()) await w.stop();
    }
    const [t, e] = pair.sides.map((side) => normalise(side, watchers.get(side)!.stdout()));
    assert.equal(t, e);
    assert.equal(t, 'PUT\ne/1\nx\nPUT\ne/2\ny\nDELETE\ne/1\n\nDELETE\ne/2\n\n');
  });
});

/** Starts `etcdctl watch <args>` on both members, runs `writes`, waits for `done` on each, returns both outputs. */
async function watchBoth(
  args: (s: Side, nextRev: bigint) => string[],
  writes: () => Promise<void>,
  done: RegExp,
): Promise<[string, string]> {
  // A watch the server cancels ends etcdctl, so "done" is also checked against what it printed on stderr then.
  const ended = (w: RunningCommand) => w.proc.exitCode !== null || w.proc.signalCode !== null;
  const watchers = await Promise.all(
    pair.sides.map(async (side) => startEtcdctl(side.member.clientUrl, ['watch', ...args(side, (await currentRevision(side)) + 1n)])),
  );
  try {
    await writes();
    await Promise.all(watchers.map((w) => until('watch output', async () => done.test(w.stdout()) || ended(w))));
  } finally {
    await Promise.all(watchers.map((w) => w.stop()));
  }
  const both = pair.sides.map((side, i) => normalise(side, watchers[i].stdout() + watchers[i].stderr()));
  return [both[0], both[1]];
}

describe('etcdctl watch', () => {
  const writes = async (): Promise<void> => {
    await assertSame(pair, ['put', 'w/a', '1']);
    await assertSame(pair, ['put', 'w/b', '2']);
    await assertSame(pair, ['put', 'w/a', '3']);
    await assertSame(pair, ['put', 'other', 'not watched']);
    await assertSame(pair, ['del', 'w/b']);
    await assertSame(pair, ['put', 'w/end', 'x']);
  };

  it('watches a prefix from a revision', async () => {
    const [t, e] = await watchBoth((_, rev) => ['--prefix', 'w/', '--rev', String(rev)], writes, /w\/end\nx\n/);
    assert.equal(t, e);
    assert.equal(t, 'PUT\nw/a\n1\nPUT\nw/b\n2\nPUT\nw/a\n3\nDELETE\nw/b\n\nPUT\nw/end\nx\n');
  });

  it('replays history with --rev and --prev-kv', async () => {
    const [t, e] = await watchBoth(() => ['--prefix', 'w/', '--rev', '1', '--prev-kv'], async () => {}, /w\/end\nx\n/);
    assert.equal(t, e);
    assert.match(t, /^PUT\nw\/a\n1\nPUT\nw\/b\n2\nPUT\nw\/a\n1\nw\/a\n3\nDELETE\nw\/b\n2\nw\/b\n\n/);
  });

  it('prints json events', async () => {
    const [t, e] = await watchBoth(() => ['w/a', '--rev', '1', '-w', 'json'], async () => {}, /"value":"Mw=="/);
    assert.equal(t, e);
    assert.match(t, /"Events":\[\{"kv":\{"key":"dy9h","create_revision":\d+,"mod_revision":\d+,"version":1,"value":"MQ=="\}\}/);
  });

  it('watches a single key without --rev (only events after the watch starts)', async () => {
    // Without --rev the watch starts "now", so the test keeps writing a marker until each watcher has seen it.
    // The markers make the two members' revisions differ from here on; later tests only use per-member revisions.
    const watchers = pair.sides.map((side) => startEtcdctl(side.member.clientUrl, ['watch', 'live']));
    try {
      for (const [i, side] of pair.sides.entries()) {
        await until(`${side.label} watch to start`, async () => {
          await etcdctl(side.member.clientUrl, ['put', 'live', 'marker']);
          return watchers[i].stdout().includes('marker');
        });
      }
      await assertSame(pair, ['put', 'live', 'after']);
      await assertSame(pair, ['del', 'live']);
      await Promise.all(watchers.map((w) => w.waitFor(/DELETE\nlive\n\n$/)));
    } finally {
      await Promise.all(watchers.map((w) => w.stop()));
    }
    const tails = watchers.map((w) => w.stdout().replace(/^(PUT\nlive\nmarker\n)+/, ''));
    assert.equal(tails[0], tails[1]);
    assert.equal(tails[0], 'PUT\nlive\nafter\nDELETE\nlive\n\n');
  });

  it('reports a compacted watch revision', async () => {
    await Promise.all(pair.sides.map(async (s) => etcdctl(s.member.clientUrl, ['compaction', String(await currentRevision(s))])));
    const [t, e] = await watchBoth(() => ['w/a', '--rev', '2'], async () => {}, /never printed on stdout/);
    assert.equal(t, e);
    assert.match(t, /watch was canceled \(etcdserver: mvcc: required revision has been compacted\)/);
  });
});
