// tetcdctl's v2 commands against real etcdctl's (ETCDCTL_API=2), both talking to real etcd with --enable-v2
// (tetcd's own v2 gateway is covered by the gateway tests; this pins the client's output format).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { etcdctl, ETCD_BIN, haveEtcdctl, spawnEtcd, type CommandResult, type SpawnedMember } from '../helpers/tetcd';
import fs from 'node:fs';
import { ctl, normalise, startCtl } from './ctl-helpers';

const skip = haveEtcdctl() && fs.existsSync(ETCD_BIN) ? false : 'real etcd and etcdctl are not installed';

/** Index numbers differ between the two runs of a mutating command. */
function normaliseV2(text: string): string {
  return normalise(text)
    .replace(/"(createdIndex|modifiedIndex)":\d+/g, '"$1":N')
    .replace(/(Created-Index|Modified-Index|Index): \d+/g, '$1: N')
    .replace(/\[\d+\]$/gm, '[N]')
    .replace(/"expiration":"[^"]*"/g, '"expiration":"E"');
}

describe('tetcdctl v2 matches etcdctl v2', { skip }, () => {
  let member: SpawnedMember;
  let ep: string;

  before(async () => {
    member = await spawnEtcd({ args: ['--enable-v2'] });
    await member.waitHealthy();
    ep = member.clientUrl;
  });

  after(async () => {
    await member?.stop();
  });

  const ours = (args: string[]): Promise<CommandResult> => ctl(['v2', '--endpoints', ep, ...args]);
  const theirs = (args: string[]): Promise<CommandResult> => etcdctl(ep, args, { env: { ETCDCTL_API: '2' } });

  async function same(args: string[], setup: string[][] = []): Promise<CommandResult> {
    const results: CommandResult[] = [];
    for (const side of [ours, theirs]) {
      for (const s of setup) await ours(s);
      results.push(await side(args));
    }
    const [a, b] = results;
    assert.equal(normaliseV2(a.stdout), normaliseV2(b.stdout), `stdout of ${args.join(' ')}`);
    assert.equal(normaliseV2(a.stderr), normaliseV2(b.stderr), `stderr of ${args.join(' ')}`);
    assert.equal(a.code, b.code, `exit code of ${args.join(' ')}`);
    return a;
  }

  it('set, get, mk, update in each output format', async () => {
    assert.equal((await same(['set', '/a/b', '1'])).stdout, '1\n');
    for (const o of ['simple', 'extended', 'json']) await same(['-o', o, 'get', '/a/b']);
    await same(['-o', 'extended', 'set', '/a/c', '2'], [['rm', '/a/c']]);
    await same(['-o', 'extended', 'set', '/a/c', '2']);
    await same(['-o', 'json', 'set', '--ttl', '100', '/a/t', '3'], [['rm', '/a/t']]);
    await same(['mk', '/a/b', '5']);
    await same(['mk', '/a/new', '5'], [['rm', '/a/new']]);
    await same(['update', '/a/c', '6']);
    await same(['update', '/missing', '6']);
    await same(['set', '--swap-with-value', 'nope', '/a/b', '9']);
    await same(['set', '--swap-with-value', '1', '/a/b', '1']);
    await same(['get', '/missing']);
    await same(['get', '/a']);
  });

  it('directories: mkdir, ls, rm, rmdir', async () => {
    await same(['mkdir', '/dir'], [['rmdir', '/dir']]);
    await same(['-o', 'json', 'mkdir', '/dir2'], [['rmdir', '/dir2']]);
    await same(['mkdir', '/dir']);
    // Unsorted listings come in the server's map order, which differs run to run.
    await same(['ls', '--sort']);
    await same(['ls', '--sort', '-p', '/']);
    await same(['ls', '--recursive', '--sort', '/a']);
    await same(['-o', 'json', 'ls', '/a/b']);
    await same(['rm', '/a']);
    await same(['rm', '/a/c'], [['set', '/a/c', 'x']]);
    await same(['-o', 'extended', 'rm', '/a/c'], [['set', '/a/c', 'x']]);
    await same(['rmdir', '/dir'], [['mkdir', '/dir']]);
    await same(['rm', '--recursive', '/r'], [['set', '/r/x', '1']]);
  });

  it('members and cluster health', async () => {
    await same(['member', 'list']);
    await same(['cluster-health']);
    await same(['member', 'remove', 'abc']);
    await same(['member', 'add', 'only-a-name']);
  });

  it('watch and exec-watch', async () => {
    const w = startCtl(['v2', '--endpoints', ep, 'watch', '--recursive', '--forever', '/w']);
    const ex = startCtl(['v2', '--endpoints', ep, 'exec-watch', '/w/x', '--', 'sh', '-c', 'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY=$ETCD_WATCH_VALUE"']);
    // Long polls are registered when the request reaches the server; write until both have seen an event.
    for (let i = 0; !w.stdout().includes('/w/x') || !ex.stdout().includes('/w/x'); i++) {
      assert.ok(i < 100, 'watchers never saw an event');
      await ours(['set', '/w/x', `warm${i}`]);
      await new Promise((r) => setTimeout(r, 100));
    }
    const from = w.stdout().length;
    await ours(['set', '/w/y', 'Y']);
    for (let i = 0; !w.stdout().slice(from).includes('Y\n'); i++) {
      assert.ok(i < 100, 'event never arrived');
      await new Promise((r) => setTimeout(r, 50));
    }
    w.interrupt();
    ex.interrupt();
    assert.equal(w.stdout().slice(from), '[set] /w/y\nY\n');
    assert.match(ex.stdout(), /^set \/w\/x=warm\d+\n/);
    assert.equal((await w.result).code, 0);
  });

  it('errors', async () => {
    await same(['get']);
    await same(['set', '/k']);
    await same(['--endpoints', 'http://127.0.0.1:1', 'get', '/a']);
  });
});
