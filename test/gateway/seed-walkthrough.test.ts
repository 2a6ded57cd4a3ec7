// The project's seed walkthrough, command by command, against a three-member tetcd cluster configured the seed's
// way (ETCD_* variables only), and the same session against real etcd 3.4 (--enable-v2): tetcd must print what
// etcd prints, member IDs, ports and indexes aside. See seed-session.ts for the session itself.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  normaliseTranscript,
  runExtraSession,
  runSeedSession,
  SEED_HOSTS,
  startSeedCluster,
  type SeedCluster,
  type TranscriptEntry,
} from './seed-session';

interface ServerRun {
  seed: SeedCluster;
  walkthrough: TranscriptEntry[];
  extras: TranscriptEntry[];
}

async function runBoth(server: 'tetcd' | 'etcd'): Promise<ServerRun> {
  const seed = await startSeedCluster(server);
  try {
    return { seed, walkthrough: await runSeedSession(seed), extras: await runExtraSession(seed) };
  } finally {
    await seed.cluster.destroy();
  }
}

let etcd: ServerRun;
let tetcd: ServerRun;

before(async () => {
  // One server at a time: the machine is small and both are timing-sensitive at startup.
  etcd = await runBoth('etcd');
  tetcd = await runBoth('tetcd');
});

function step(entries: TranscriptEntry[], command: string, host?: string): TranscriptEntry {
  const found = entries.filter((e) => e.command === command && (host === undefined || e.host === host));
  assert.equal(found.length, 1, `expected one "${command}" step${host ? ` on ${host}` : ''}, got ${found.length}`);
  return found[0];
}

function ok(entry: TranscriptEntry, stdout: string): void {
  assert.deepEqual({ code: entry.code, stdout: entry.stdout, stderr: entry.stderr }, { code: 0, stdout, stderr: '' }, entry.command);
}

function failed(entry: TranscriptEntry, stderr: RegExp): void {
  assert.equal(entry.code, 4, `${entry.command} should fail: ${entry.stdout}${entry.stderr}`);
  assert.equal(entry.stdout, '');
  assert.match(entry.stderr, stderr);
}

/** The JSON body curl printed, and the status -w appended to it. */
function curlAnswer(entry: TranscriptEntry): { status: number; body: unknown } {
  const m = /^([^\n]*)\n?\n\[HTTP (\d+)\]$/.exec(entry.stdout);
  assert.ok(m, `unexpected curl output: ${entry.stdout}`);
  return { status: Number(m[2]), body: JSON.parse(m[1]) };
}

/** Which member leads differs from run to run, and listings are in member ID or map order: compare as sets. */
function comparable(seed: SeedCluster, entries: TranscriptEntry[]): TranscriptEntry[] {
  const unordered = new Set(['etcdctl member list', 'etcdctl cluster-health', 'etcdctl ls testdir']);
  return normaliseTranscript(seed, entries).map((e) =>
    unordered.has(e.command) ? { ...e, stdout: e.stdout.replace(/isLeader=(true|false)/g, 'isLeader=?').split('\n').sort().join('\n') } : e,
  );
}

test('member list on master names the three members with their URLs, exactly one of them the leader', () => {
  const list = step(tetcd.walkthrough, 'etcdctl member list', 'master');
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  const ids = lines.map((line) => line.split(':')[0]);
  // etcd orders members by their numeric ID; the hex form drops leading zeros, so compare numbers.
  const numeric = [...ids].sort((a, b) => (BigInt(`0x${a}`) < BigInt(`0x${b}`) ? -1 : 1));
  assert.deepEqual(ids, numeric, 'members are listed in ID order');
  for (const a of tetcd.seed.addresses) {
    const id = [...tetcd.seed.memberIds].find(([, host]) => host === a.host)?.[0];
    const line = lines.find((l) => l.startsWith(`${id}: `));
    assert.match(line ?? '', new RegExp(`^${id}: name=${a.host} peerURLs=${a.peerUrl} clientURLs=${a.advertisedClientUrl} isLeader=(true|false)$`));
  }
  assert.equal(lines.filter((l) => l.endsWith(' isLeader=true')).length, 1, list.stdout);
  // IDs derive from the peer URLs and the cluster token exactly as etcd derives them.
  assert.deepEqual([...tetcd.seed.memberIds.keys()].sort(), tetcd.seed.cluster.members.map((m) => m.id).sort());
});

test('a key set on node2 is read back on master and node1', () => {
  ok(step(tetcd.walkthrough, 'etcdctl set hello world', 'node2'), 'world\n');
  ok(step(tetcd.walkthrough, 'etcdctl get hello', 'master'), 'world\n');
  ok(step(tetcd.walkthrough, 'etcdctl get hello', 'node1'), 'world\n');
});

test('cluster-health reports every member healthy, then the cluster', () => {
  const health = step(tetcd.walkthrough, 'etcdctl cluster-health');
  assert.equal(health.code, 0, health.stderr);
  const lines = health.stdout.trimEnd().split('\n');
  assert.equal(lines.pop(), 'cluster is healthy');
  const expected = tetcd.seed.addresses.map((a) => {
    const id = [...tetcd.seed.memberIds].find(([, host]) => host === a.host)?.[0];
    return `member ${id} is healthy: got healthy result from ${a.advertisedClientUrl}`;
  });
  assert.deepEqual([...lines].sort(), expected.sort());
});

test('curl /health on node1 answers {"health":"true"}', () => {
  const entry = step(tetcd.walkthrough, 'curl http://node1:2379/health');
  assert.equal(entry.code, 0);
  assert.deepEqual(curlAnswer(entry), { status: 200, body: { health: 'true' } });
});

test('rm, mkdir, set in a directory and ls work; rmdir of a non-empty directory fails with 108', () => {
  ok(step(tetcd.walkthrough, 'etcdctl rm hello'), 'PrevNode.Value: world\n');
  ok(step(tetcd.walkthrough, 'etcdctl mkdir testdir'), '');
  ok(step(tetcd.walkthrough, 'etcdctl set testdir/test1 test1'), 'test1\n');
  ok(step(tetcd.walkthrough, 'etcdctl set testdir/test2 test2'), 'test2\n');
  const ls = step(tetcd.walkthrough, 'etcdctl ls testdir', 'node2');
  assert.equal(ls.code, 0);
  assert.deepEqual(ls.stdout.trimEnd().split('\n').sort(), ['/testdir/test1', '/testdir/test2']);
  failed(step(tetcd.walkthrough, 'etcdctl rmdir testdir', 'node2'), /^Error: {2}108: Directory not empty \(\/testdir\) \[\d+\]\n$/);
});

test('watch on node2 prints the value master updates it to, and exits', () => {
  ok(step(tetcd.walkthrough, 'etcdctl update hello shijie', 'master'), 'shijie\n');
  ok(step(tetcd.walkthrough, 'etcdctl watch hello', 'node2'), 'shijie\n');
});

test('curl PUT, DELETE, GET and PUT on /v2/keys/message answer like etcd', () => {
  const put = curlAnswer(step(tetcd.walkthrough, 'curl /v2/keys/message -XPUT -d value="Hello world"'));
  assert.equal(put.status, 201);
  assert.deepEqual((put.body as { node: { value: string } }).node.value, 'Hello world');
  const del = curlAnswer(step(tetcd.walkthrough, 'curl /v2/keys/message -XDELETE'));
  assert.equal(del.status, 200);
  assert.equal((del.body as { action: string; prevNode: { value: string } }).prevNode.value, 'Hello world');
  const get = curlAnswer(step(tetcd.walkthrough, 'curl /v2/keys/message'));
  assert.equal(get.status, 404);
  assert.deepEqual({ ...(get.body as object), index: 0 }, { errorCode: 100, message: 'Key not found', cause: '/message', index: 0 });
  const fresh = curlAnswer(step(tetcd.walkthrough, 'curl /v2/keys/message -XPUT -d value="Hello etcd"'));
  assert.equal(fresh.status, 201);
  assert.equal((fresh.body as { prevNode?: unknown }).prevNode, undefined, 'a deleted key has no previous node');
  const again = curlAnswer(step(tetcd.walkthrough, 'curl /v2/keys/message -XPUT -d value="Hello etcd" (again)'));
  assert.equal(again.status, 200);
  const body = again.body as { node: { modifiedIndex: number; createdIndex: number }; prevNode: { value: string; modifiedIndex: number } };
  assert.equal(body.prevNode.value, 'Hello etcd');
  // A set replaces the node: etcd gives it a new createdIndex too.
  assert.equal(body.node.createdIndex, body.node.modifiedIndex, 'set over an existing key must report a new createdIndex');
  assert.ok(body.node.modifiedIndex > body.prevNode.modifiedIndex);
});

test('the walkthrough prints the same as on etcd 3.4', () => {
  assert.deepEqual(comparable(tetcd.seed, tetcd.walkthrough), comparable(etcd.seed, etcd.walkthrough));
});

test('every member writes keys the others read', () => {
  for (const writer of SEED_HOSTS) {
    ok(step(tetcd.extras, `etcdctl set from-${writer} written-on-${writer}`, writer), `written-on-${writer}\n`);
    for (const reader of SEED_HOSTS) ok(step(tetcd.extras, `etcdctl get from-${writer}`, reader), `written-on-${writer}\n`);
  }
});

test('a key set with --ttl 1 expires', () => {
  ok(step(tetcd.extras, 'etcdctl set --ttl 1 ttlkey short-lived'), 'short-lived\n');
  ok(step(tetcd.extras, 'etcdctl get ttlkey'), 'short-lived\n');
  failed(step(tetcd.extras, 'etcdctl get ttlkey (expired)'), /^Error: {2}100: Key not found \(\/ttlkey\) \[\d+\]\n$/);
});

test('--swap-with-value and --swap-with-index swap only on a match', () => {
  failed(step(tetcd.extras, 'etcdctl set --swap-with-value wrong swapkey two'), /^Error: {2}101: Compare failed \(\[wrong != one\]\) \[\d+\]\n$/);
  ok(step(tetcd.extras, 'etcdctl set --swap-with-value one swapkey two'), 'two\n');
  failed(step(tetcd.extras, 'etcdctl set --swap-with-index 1 swapkey three'), /^Error: {2}101: Compare failed \(\[1 != \d+\]\) \[\d+\]\n$/);
  ok(step(tetcd.extras, 'etcdctl set --swap-with-index <Modified-Index> swapkey three'), 'three\n');
  ok(step(tetcd.extras, 'etcdctl get swapkey'), 'three\n');
  failed(step(tetcd.extras, 'etcdctl update nokey x'), /^Error: {2}100: Key not found \(\/nokey\) \[\d+\]\n$/);
});

test('exec-watch runs its command with the event in ETCD_WATCH_* variables', () => {
  assert.equal(step(tetcd.extras, 'etcdctl exec-watch sh -c ... ewkey').stdout, 'set /ewkey fired\n');
});

test('watch --after-index older than the v2 history fails with 401', () => {
  failed(
    step(tetcd.extras, 'etcdctl watch --after-index 1 hello'),
    /^Error: {2}401: The event in requested index is outdated and cleared \(the requested history has been cleared \[\d+\/2\]\) \[\d+\]\n$/,
  );
});

test('the extra commands print the same as on etcd 3.4', () => {
  assert.deepEqual(comparable(tetcd.seed, tetcd.extras), comparable(etcd.seed, etcd.extras));
});
