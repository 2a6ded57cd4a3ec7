// tetcdctl against real etcdctl 3.4, both talking to the same tetcd member: the same command line must print the
// same thing (after normalising revisions and IDs) and exit with the same status.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { etcdctl, freePort, haveEtcdctl, spawnTetcd, type CommandResult, type SpawnedMember } from '../helpers/tetcd';
import { ctl, normalise, startCtl, withoutClientLogs } from './ctl-helpers';

const skip = haveEtcdctl() ? false : 'real etcdctl is not installed';

describe('tetcdctl v3 matches etcdctl', { skip }, () => {
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

  const ours = (args: string[], input?: string): Promise<CommandResult> => ctl(['--endpoints', ep, ...args], { input });
  const theirs = (args: string[], input?: string): Promise<CommandResult> => etcdctl(ep, args, { input });

  /** Runs `setup` (with tetcdctl) before each side, then compares the two runs of `args`. */
  async function same(args: string[], opts: { setup?: string[][]; input?: string } = {}): Promise<CommandResult> {
    const results: CommandResult[] = [];
    for (const side of [ours, theirs]) {
      for (const s of opts.setup ?? []) assert.equal((await ours(s)).code, 0, `setup ${s.join(' ')}`);
      results.push(await side(args, opts.input));
    }
    const [a, b] = results;
    assert.equal(normalise(a.stdout), normalise(b.stdout), `stdout of ${args.join(' ')}`);
    assert.equal(normalise(a.stderr), normalise(withoutClientLogs(b.stderr)), `stderr of ${args.join(' ')}`);
    assert.equal(a.code, b.code, `exit code of ${args.join(' ')}`);
    return a;
  }

  it('put and get in every output format', async () => {
    assert.equal((await same(['put', 'k1', 'v1'])).stdout, 'OK\n');
    await same(['put', 'k2', 'hello "world"\n', '--prev-kv'], { setup: [['put', 'k2', 'before']] });
    for (const w of ['simple', 'json', 'fields', 'protobuf']) await same(['get', 'k', '--prefix', '-w', w]);
    await same(['get', 'k1', '-w', 'table']);
    await same(['get', 'k1', '--hex']);
    await same(['put', 'k1', 'v2', '--prev-kv', '-w', 'json'], { setup: [['put', 'k1', 'v1']] });
  });

  it('get flags', async () => {
    for (const [k, v] of [['s/a', '3'], ['s/b', '1'], ['s/c', '2'], ['t', '0']]) await ours(['put', k, v]);
    await same(['get', 's/', '--prefix', '--sort-by', 'VALUE', '--order', 'DESCEND']);
    await same(['get', 's/', '--prefix', '--keys-only', '--limit', '2']);
    await same(['get', 's/a', '--print-value-only']);
    await same(['get', 's/b', '--from-key', '--consistency', 's']);
    await same(['get', 's/a', 's/c']);
    await same(['get', 's/', '--prefix', '--sort-by', 'MODIFY', '-w', 'json']);
    const rev = JSON.parse((await ours(['get', 's/a', '-w', 'json'])).stdout).header.revision as number;
    await same(['get', 's/a', '--rev', String(rev - 1)]);
  });

  it('del flags', async () => {
    const setup = [['put', 'd/a', '1'], ['put', 'd/b', '2'], ['put', 'e', '3']];
    await same(['del', 'd/', '--prefix', '--prev-kv'], { setup });
    // Nothing sorts after "zz/", so --from-key deletes the same keys on both runs.
    await same(['del', 'zz/b', '--from-key', '-w', 'json'], { setup: [['put', 'zz/a', '1'], ['put', 'zz/b', '2']] });
    await same(['del', 'nothing-here']);
  });

  it('txn from stdin, in every result shape', async () => {
    const input = 'value("x") = "1"\nmod("x") > "0"\n\nput y 2\nget x\ndel x --prev-kv\n\nget y\n\n';
    await same(['txn'], { input, setup: [['put', 'x', '1']] });
    await same(['txn', '-w', 'json'], { input, setup: [['put', 'x', '1']] });
    await same(['txn', '-w', 'fields'], { input, setup: [['put', 'x', '2']] });
    await same(['txn', '-i'], { input: 'version("nope") = "0"\n\n\nput z 1\n\n' });
  });

  it('compaction', async () => {
    await ours(['put', 'c', '1']);
    const rev = JSON.parse((await ours(['put', 'c', '2', '-w', 'json'])).stdout).header.revision as number;
    const a = await ours(['compaction', String(rev - 1)]);
    assert.deepEqual(a, { code: 0, stdout: `compacted revision ${rev - 1}\n`, stderr: '' });
    await same(['compaction', '1']);
  });

  it('lease grant, timetolive, keep-alive --once, list, revoke', async () => {
    await same(['lease', 'grant', '100']);
    await same(['lease', 'grant', '100', '-w', 'json']);
    const id = (await ours(['lease', 'grant', '100'])).stdout.split(' ')[1];
    await ours(['put', 'leased', 'v', '--lease', id]);
    await same(['lease', 'timetolive', id, '--keys']);
    await same(['lease', 'timetolive', id, '--keys', '-w', 'json']);
    await same(['lease', 'keep-alive', '--once', id]);
    await same(['lease', 'keep-alive', '--once', id, '-w', 'fields']);
    await same(['lease', 'list']);
    const revoke = await ours(['lease', 'revoke', id]);
    assert.equal(revoke.stdout, `lease ${id} revoked\n`);
    await same(['lease', 'timetolive', id]);
    await same(['lease', 'revoke', id]);
    await same(['lease', 'keep-alive', '--once', id]);
  });

  it('member, endpoint, alarm, defrag, move-leader', async () => {
    for (const w of ['simple', 'json', 'fields', 'table']) await same(['member', 'list', '-w', w]);
    await same(['endpoint', 'health', '-w', 'json']);
    await same(['endpoint', 'health', '--cluster']);
    for (const w of ['simple', 'json', 'fields', 'table']) {
      await same(['endpoint', 'hashkv', '-w', w]);
      await same(['endpoint', 'status', '--cluster', '-w', w]);
    }
    await same(['alarm', 'list']);
    await same(['alarm', 'disarm']);
    await same(['defrag']);
    await same(['move-leader', 'ab']);
    await same(['member', 'remove', 'ab']);
    await same(['member', 'promote', 'ab']);
  });

  it('member add, update, promote, remove of a learner', async () => {
    const peer = `http://127.0.0.1:${await freePort()}`;
    const added = await ours(['member', 'add', 'n2', '--peer-urls', peer, '--learner']);
    assert.equal(added.code, 0, added.stderr);
    const id = /^Member +([0-9a-f]+) added to cluster +[0-9a-f]+\n/.exec(added.stdout)?.[1];
    assert.ok(id, added.stdout);
    // etcdctl lists the cluster in the order of the response's members, which etcd sorts by ID.
    // (Member IDs are uint64: read them as text, JSON numbers would lose precision.)
    const listed = (await ours(['member', 'list', '-w', 'json'])).stdout;
    const defaultId = BigInt(/"ID":(\d+),"name":"default"/.exec(listed)![1]);
    const entries = [
      { id: defaultId, entry: `default=${member.peerUrl}` },
      { id: BigInt('0x' + id), entry: `n2=${peer}` },
    ].sort((a, b) => (a.id < b.id ? -1 : 1));
    assert.ok(
      added.stdout.endsWith(
        `\nETCD_NAME="n2"\nETCD_INITIAL_CLUSTER="${entries.map((e) => e.entry).join(',')}"\n` +
          `ETCD_INITIAL_ADVERTISE_PEER_URLS="${peer}"\nETCD_INITIAL_CLUSTER_STATE="existing"\n`,
      ),
      added.stdout,
    );
    await same(['member', 'list']);
    await same(['member', 'list', '-w', 'table']);
    await same(['member', 'update', id, '--peer-urls', `http://127.0.0.1:${await freePort()}`]);
    await same(['member', 'promote', id]);
    assert.match((await ours(['member', 'remove', id])).stdout, new RegExp(`^Member +${id} removed from cluster +[0-9a-f]+\n$`));
    await same(['member', 'remove', id]);
  });

  it('watch prints the same events as etcdctl', async () => {
    const w = startCtl(['--endpoints', ep, 'watch', 'w/', '--prefix', '--prev-kv']);
    const wj = startCtl(['--endpoints', ep, 'watch', 'w/a', '-w', 'json']);
    const ex = startCtl(['--endpoints', ep, 'watch', 'w/a', '--', 'sh', '-c', 'echo "$ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY=$ETCD_WATCH_VALUE"']);
    // The watchers are registered once the server has answered their create requests; a put shows it.
    for (let i = 0; !w.stdout().includes('w/ready') || !wj.stdout().includes('"Events"'); i++) {
      assert.ok(i < 100, 'watchers never started');
      await ours(['put', 'w/ready', String(i)]);
      await ours(['put', 'w/a', 'warmup']);
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = { w: w.stdout().length, wj: wj.stdout().length };
    await ours(['put', 'w/a', '1']);
    await ours(['del', 'w/a']);
    for (let i = 0; !(w.stdout().slice(before.w).includes('DELETE') && wj.stdout().slice(before.wj).split('\n').length > 2); i++) {
      assert.ok(i < 100, 'events never arrived');
      await new Promise((r) => setTimeout(r, 50));
    }
    w.interrupt();
    wj.interrupt();
    ex.interrupt();
    assert.equal((await w.result).code, 0);
    assert.equal(w.stdout().slice(before.w), 'PUT\nw/a\nwarmup\nw/a\n1\nDELETE\nw/a\n1\nw/a\n\n');
    const events = wj.stdout().slice(before.wj).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(events.length, 2);
    assert.equal(events[1].Events[0].type, 1);
    assert.equal(Buffer.from(events[0].Events[0].kv.value, 'base64').toString(), '1');
    assert.match((await ex.result).stdout, /"PUT" "w\/a"="1"\n/);
  });

  it('watch -i starts a watcher per input line and stops at the end of input', async () => {
    const stdin = new PassThrough();
    const w = startCtl(['--endpoints', ep, 'watch', '-i'], { stdin });
    stdin.write('bogus line\nwatch\nwatch i/ --prefix\n');
    for (let i = 0; !w.stdout().includes('i/1'); i++) {
      assert.ok(i < 100, 'interactive watcher never saw an event');
      await ours(['put', 'i/1', String(i)]);
      await new Promise((r) => setTimeout(r, 100));
    }
    stdin.end();
    const res = await w.result;
    assert.equal(res.code, 3);
    assert.match(res.stdout, /^PUT\ni\/1\n\d+\n/);
    assert.equal(
      res.stderr,
      'Invalid command bogus line (only support watch)\n' +
        'Invalid command watch (command type or key is not provided)\n' +
        'Error: Error reading watch request line: EOF\n',
    );
  });

  it('connection flags: keepalive, --insecure-transport, and the --debug flag dump', async () => {
    await same(['--keepalive-time', '3s', '--keepalive-timeout', '2s', 'put', 'ka', 'v']);
    // etcdctl also prints the command's usage on stdout here; the error and the exit code are what scripts see.
    const bad = ['--keepalive-time', 'soon', 'get', 'ka'];
    const [badOurs, badTheirs] = [await ours(bad), await theirs(bad)];
    assert.equal(badOurs.code, badTheirs.code);
    assert.equal(badOurs.stderr, 'Error: invalid argument "soon" for "--keepalive-time" flag: time: invalid duration "soon"\n');
    assert.ok(badTheirs.stderr.startsWith(badOurs.stderr), badTheirs.stderr);
    // An http:// endpoint stays plaintext whatever the TLS flags say, as in clientv3.
    await same(['--insecure-transport=false', '--dial-timeout', '1s', 'get', 'ka']);
    // A bare host:port follows them: TLS asked for against a plaintext member, and nothing answers the handshake.
    const bare = ep.replace(/^http:\/\//, '');
    const tlsArgs = ['--insecure-transport=false', '--dial-timeout', '1s', 'get', 'ka'];
    const [tlsOurs, tlsTheirs] = [await ctl(['--endpoints', bare, ...tlsArgs]), await etcdctl(bare, tlsArgs)];
    assert.deepEqual(
      [tlsOurs.code, tlsOurs.stdout, tlsOurs.stderr],
      [tlsTheirs.code, tlsTheirs.stdout, withoutClientLogs(tlsTheirs.stderr)],
    );
    assert.equal(tlsOurs.stderr, 'Error: context deadline exceeded\n');
    await same(['--insecure-transport=true', 'get', 'ka', '--print-value-only']);
    const dump = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('ETCDCTL_')).join('\n');
    const args = ['--debug', '--dial-timeout', '3s', '--user', 'nobody:pw', '-w', 'json', 'get', 'ka'];
    const [a, b] = [await ours(args), await theirs(args)];
    assert.notEqual(dump(a.stderr), '');
    assert.equal(dump(a.stderr), dump(b.stderr));
  });

  it('bad input fails like etcdctl', async () => {
    await same(['put']);
    await same(['get']);
    await same(['get', 'a', '--prefix', '--from-key']);
    await same(['get', 'a', '--order', 'SIDEWAYS']);
    await same(['get', 'a', '--consistency', 'x']);
    await same(['get', 'a', '-w', 'yaml']);
    await same(['get', 'a', '-w', 'table']);
    await same(['lease', 'grant', 'abc']);
    await same(['lease', 'grant']);
    await same(['lease', 'revoke', 'xyz']);
    await same(['member', 'add', 'n']);
    await same(['member', 'add', 'n', 'http://1.2.3.4:2380']);
    await same(['member', 'remove', 'zz']);
    await same(['compaction']);
    await same(['txn', 'extra']);
    await same(['txn'], { input: 'bad\n\n' });
    await same(['txn'], { input: 'value("a") = "1"\n\n' });
    await same(['check', 'perf', '--load', 'huge']);
    await same(['elect']);
    await same(['lock']);
  });
});
