// etcdctl compaction, endpoint, defrag, alarm, snapshot and member commands against tetcd, compared with etcd 3.4.
// Both members run with a small --max-request-bytes so the "request is too large" path can be compared too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertSame, jsonUint, normalise, runBoth, startPair, type Pair } from '../helpers/compat';
import { etcdctl, tempDir } from '../helpers/tetcd';

const MAX_REQUEST_BYTES = 4096;

let pair: Pair;
let scratch: string;
before(async () => {
  pair = await startPair(['--max-request-bytes', String(MAX_REQUEST_BYTES)]);
  scratch = tempDir('tetcd-compat-maint-');
});
after(async () => {
  await pair?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe('compaction', () => {
  it('writes some history', async () => {
    for (let i = 1; i <= 6; i++) await assertSame(pair, ['put', 'h', `v${i}`]);
    assert.equal((await assertSame(pair, ['get', 'h', '--rev', '3'])).stdout, 'h\nv2\n');
  });

  it('compacts and then refuses reads below the compacted revision', async () => {
    assert.equal((await assertSame(pair, ['compaction', '4'])).stdout, 'compacted revision 4\n');
    const r = await assertSame(pair, ['get', 'h', '--rev', '3']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\nError: etcdserver: mvcc: required revision has been compacted\n$/);
    assert.match(r.stderr, /code = OutOfRange desc = etcdserver: mvcc: required revision has been compacted/);
    assert.equal((await assertSame(pair, ['get', 'h', '--rev', '4'])).stdout, 'h\nv3\n');
  });

  it('refuses to compact at or below the compacted revision, or in the future', async () => {
    const again = await assertSame(pair, ['compaction', '4']);
    assert.match(again.stderr, /Error: etcdserver: mvcc: required revision has been compacted\n$/);
    await assertSame(pair, ['compaction', '2']);
    const future = await assertSame(pair, ['compaction', '100']);
    assert.match(future.stderr, /Error: etcdserver: mvcc: required revision is a future revision\n$/);
  });

  it('compacts with --physical', async () => {
    assert.equal((await assertSame(pair, ['compaction', '6', '--physical'])).stdout, 'compacted revision 6\n');
    await assertSame(pair, ['get', 'h', '--rev', '5']);
    await assertSame(pair, ['get', 'h', '-w', 'json']);
  });
});

describe('endpoint commands', () => {
  it('health, in every format', async () => {
    const r = await assertSame(pair, ['endpoint', 'health']);
    // etcdctl 3.4 prints health results on stderr.
    assert.equal(r.stderr, '<client-url> is healthy: successfully committed proposal: took = <duration>\n');
    await assertSame(pair, ['endpoint', 'health', '-w', 'json']);
    await assertSame(pair, ['endpoint', 'health', '-w', 'table']);
  });

  it('status: same fields; sizes and Raft indexes are the server\'s own', async () => {
    const [t, e] = await runBoth(pair, ['endpoint', 'status', '-w', 'json']);
    // Raft indexes depend on how many bootstrap entries each server writes, sizes on the storage engine.
    const strip = (s: string) => s.replace(/"(dbSize|dbSizeInUse|raftIndex|raftAppliedIndex)":\d+/g, '"$1":<n>');
    assert.equal(strip(t.stdout), strip(e.stdout));
    assert.match(t.stdout, /"leader":<member-id>,/);
    const index = /"raftIndex":(\d+)/.exec(t.stdout)![1];
    assert.match(t.stdout, new RegExp(`"raftAppliedIndex":${index},`));
    const inUse = Number(/"dbSizeInUse":(\d+)/.exec(t.stdout)![1]);
    assert.ok(inUse > 0 && inUse <= Number(/"dbSize":(\d+)/.exec(t.stdout)![1]));

    const simple = await runBoth(pair, ['endpoint', 'status']);
    const fields = (s: string) => s.trimEnd().replace(/,$/, '').split(', ');
    const [ts, es] = simple.map((x) => fields(x.stdout));
    // endpoint, ID, version, db size, is leader, is learner, raft term, raft index, applied index (errors empty)
    assert.deepEqual([0, 1, 2, 4, 5, 6].map((i) => ts[i]), [0, 1, 2, 4, 5, 6].map((i) => es[i]));
    assert.equal(ts[7], ts[8]);
    assert.match(ts[3], /^\d+(\.\d)? [kMG]?B$/);
    const [tt, et] = await runBoth(pair, ['endpoint', 'status', '-w', 'table']);
    const header = (s: string) => s.split('\n').slice(0, 3).join('\n');
    assert.equal(header(tt.stdout), header(et.stdout));
  });

  it('hashkv: the same hash as etcd for the same history', async () => {
    const r = await assertSame(pair, ['endpoint', 'hashkv', '-w', 'json']);
    assert.match(r.stdout, /"hash":\d+,"compact_revision":6\}/);
    await assertSame(pair, ['endpoint', 'hashkv']);
    await assertSame(pair, ['endpoint', 'hashkv', '-w', 'table']);
  });
});

describe('maintenance commands', () => {
  it('defrag', async () => {
    const r = await assertSame(pair, ['defrag']);
    assert.equal(r.stdout, 'Finished defragmenting etcd member[<client-url>]\n');
    await assertSame(pair, ['get', 'h']);
  });

  it('alarm list and disarm with no alarms raised', async () => {
    assert.equal((await assertSame(pair, ['alarm', 'list'])).stdout, '');
    await assertSame(pair, ['alarm', 'list', '-w', 'json']);
    await assertSame(pair, ['alarm', 'disarm']);
  });

  it('snapshot save writes a non-empty file', async () => {
    const files = pair.sides.map((s) => path.join(scratch, `${s.label}.db`));
    const results = await Promise.all(pair.sides.map((s, i) => etcdctl(s.member.clientUrl, ['snapshot', 'save', files[i]])));
    const [t, e] = results.map((r, i) => ({ code: r.code, stdout: r.stdout.replaceAll(files[i], '<file>'), stderr: r.stderr.replaceAll(files[i], '<file>') }));
    assert.equal(e.code, 0);
    assert.deepEqual({ code: t.code, stdout: t.stdout }, { code: e.code, stdout: e.stdout });
    assert.equal(t.stdout, 'Snapshot saved at <file>\n');
    assert.ok(fs.statSync(files[0]).size > 0);
  });

  it('move-leader to an unknown member', async () => {
    const r = await assertSame(pair, ['move-leader', '1']);
    assert.match(r.stderr, /Error: etcdserver: bad leader transferee/);
  });
});

describe('member list', () => {
  it('simple, table and json', async () => {
    const simple = await assertSame(pair, ['member', 'list']);
    assert.equal(simple.stdout, '<member-id>, started, default, <peer-url>, <client-url>, false\n');
    await assertSame(pair, ['member', 'list', '-w', 'table']);
    const json = await assertSame(pair, ['member', 'list', '-w', 'json']);
    assert.match(json.stdout, /"members":\[\{"ID":<member-id>,"name":"default","peerURLs":\["<peer-url>"\],"clientURLs":\["<client-url>"\]\}\]/);
  });
});

describe('request size limit', () => {
  it('accepts a request just under --max-request-bytes', async () => {
    assert.equal((await assertSame(pair, ['put', 'big', 'x'.repeat(MAX_REQUEST_BYTES - 64)])).stdout, 'OK\n');
  });

  it('rejects a larger one with "request is too large"', async () => {
    const r = await assertSame(pair, ['put', 'big', 'x'.repeat(MAX_REQUEST_BYTES + 1)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: etcdserver: request is too large\n$/);
    const txn = await assertSame(pair, ['txn'], `\nput big ${'y'.repeat(MAX_REQUEST_BYTES)}\n\n\n`);
    assert.match(txn.stderr, /Error: etcdserver: request is too large\n$/);
  });

  it('revision numbers still agree after everything above', async () => {
    const [t, e] = await Promise.all(pair.sides.map((s) => etcdctl(s.member.clientUrl, ['get', 'big', '-w', 'json'])));
    assert.equal(jsonUint(t.stdout, 'revision'), jsonUint(e.stdout, 'revision'));
    assert.equal(normalise(pair.tetcd, t.stdout), normalise(pair.etcd, e.stdout));
  });
});
