// tetcdctl's user, role and auth commands against real etcdctl 3.4. Auth state cannot be undone between two runs of
// one command, so each client drives its own tetcd member through the same script and every step must print the
// same thing and exit the same way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { etcdctl, haveEtcdctl, spawnTetcd, type CommandResult, type SpawnedMember } from '../helpers/tetcd';
import { ctl, withoutClientLogs } from './ctl-helpers';

const skip = haveEtcdctl() ? false : 'real etcdctl is not installed';

describe('tetcdctl user/role/auth match etcdctl', { skip }, () => {
  let ourMember: SpawnedMember;
  let theirMember: SpawnedMember;

  before(async () => {
    // A low bcrypt cost keeps password hashing from dominating the test's time.
    [ourMember, theirMember] = await Promise.all([
      spawnTetcd({ name: 'ours', args: ['--bcrypt-cost', '4'] }),
      spawnTetcd({ name: 'theirs', args: ['--bcrypt-cost', '4'] }),
    ]);
    await Promise.all([ourMember.waitHealthy(), theirMember.waitHealthy()]);
  });

  after(async () => {
    await Promise.all([ourMember?.stop(), theirMember?.stop()]);
  });

  /** The two members differ in identity, so response headers are compared without their numbers. */
  const withoutHeader = (text: string): string =>
    text
      .replace(/"(cluster_id|member_id|revision|raft_term)":\d+/g, '"$1":N')
      .replace(/^"(ClusterID|MemberID|Revision|RaftTerm)" : \d+$/gm, '"$1" : N');

  /** Runs `args` with both clients, each against its own member, and asserts identical results. */
  async function same(args: string[], input?: string): Promise<CommandResult> {
    const a = await ctl(['--endpoints', ourMember.clientUrl, ...args], { input });
    const b = await etcdctl(theirMember.clientUrl, args, { input });
    assert.equal(withoutHeader(a.stdout), withoutHeader(b.stdout), `stdout of ${args.join(' ')}`);
    // etcdctl's password prompt runs stty, which complains on stderr when stdin is not a terminal.
    const theirStderr = withoutClientLogs(b.stderr).replace(/^stty: .*\n/gm, '');
    assert.equal(a.stderr, theirStderr, `stderr of ${args.join(' ')}`);
    assert.equal(a.code, b.code, `exit code of ${args.join(' ')}`);
    return a;
  }

  it('sets up users and roles, enforces permissions, and turns auth off again', async () => {
    assert.equal((await same(['user', 'add', 'root:pw'])).stdout, 'User root created\n');
    await same(['user', 'add', 'alice', '--interactive=false'], 'secret\n');
    await same(['user', 'add', 'bob', '--new-user-password', 'bpw']);
    await same(['user', 'add', 'dave'], 'pw\npw\n');
    await same(['user', 'add', 'erin', '--no-password']);
    await same(['user', 'add', ':nameless']);
    await same(['user', 'add', 'alice:again']);
    assert.equal((await same(['role', 'add', 'reader'])).stdout, 'Role reader created\n');
    await same(['role', 'add', 'writer']);
    await same(['role', 'grant-permission', 'reader', 'read', 'app/', '--prefix']);
    await same(['role', 'grant-permission', 'reader', 'readwrite', 'k1', 'k3']);
    await same(['role', 'grant-permission', 'writer', 'WRITE', 'log', '--from-key']);
    await same(['role', 'grant-permission', 'writer', 'write', 'one']);
    await same(['role', 'grant-permission', 'writer', 'delete', 'x']);
    await same(['role', 'grant-permission', 'writer', 'read', 'x', 'y', '--prefix']);
    await same(['role', 'grant-permission', 'writer']);
    await same(['user', 'grant-role', 'alice', 'reader']);
    await same(['user', 'grant-role', 'alice', 'writer']);
    await same(['user', 'grant-role', 'alice', 'nosuchrole']);
    const role = await same(['role', 'get', 'reader']);
    assert.equal(role.stdout, 'Role reader\nKV Read:\n\t[app/, app0) (prefix app/)\n\t[k1, k3)\nKV Write:\n\t[k1, k3)\n');
    await same(['role', 'get', 'writer']);
    await same(['role', 'list']);
    await same(['user', 'list']);
    await same(['user', 'get', 'alice']);
    await same(['user', 'get', 'alice', '--detail']);
    await same(['user', 'get', 'nobody']);
    for (const w of ['json', 'fields', 'table']) {
      await same(['role', 'get', 'reader', '-w', w]);
      await same(['role', 'list', '-w', w]);
      await same(['user', 'get', 'alice', '-w', w]);
      await same(['user', 'get', 'alice', '--detail', '-w', w]);
      await same(['user', 'list', '-w', w]);
      await same(['role', 'add', `extra-${w}`, '-w', w]);
    }
    // The protobuf header holds the member's identity; the permissions after it must match byte for byte.
    const perms = '\x12\f\x12\x04app/\x1a\x04app0\x12\n\b\x02\x12\x02k1\x1a\x02k3';
    const ourPb = await ctl(['--endpoints', ourMember.clientUrl, 'role', 'get', 'reader', '-w', 'protobuf']);
    const theirPb = await etcdctl(theirMember.clientUrl, ['role', 'get', 'reader', '-w', 'protobuf']);
    assert.ok(theirPb.stdout.endsWith(perms), 'etcdctl encodes the permissions as expected');
    assert.ok(ourPb.stdout.endsWith(perms), 'tetcdctl encodes the permissions like etcdctl');

    await same(['--user', 'root:pw', 'put', 'app/x', '1']);
    assert.equal((await same(['auth', 'enable'])).stdout, 'Authentication Enabled\n');
    assert.equal((await same(['--user', 'root:pw', 'get', 'app/x'])).stdout, 'app/x\n1\n');
    await same(['--user', 'root', '--password', 'pw', 'put', 'app/y', '2']);
    await same(['--user', 'root:wrong', 'get', 'app/x']);
    await same(['get', 'app/x']);
    await same(['--user', 'alice:secret', 'get', 'app/', '--prefix']);
    const denied = await same(['--user', 'alice:secret', 'put', 'app/x', '3']);
    assert.equal(denied.stderr, 'Error: etcdserver: permission denied\n');
    await same(['--user', 'alice:secret', 'put', 'one', '1']);
    await same(['--user', 'alice:secret', 'put', 'k2', '1']);
    await same(['--user', 'alice:secret', 'user', 'list']);
    await same(['--user', 'root:pw', 'role', 'revoke-permission', 'writer', 'one']);
    await same(['--user', 'root:pw', 'role', 'revoke-permission', 'reader', 'k1', 'k3']);
    await same(['--user', 'root:pw', 'role', 'revoke-permission', 'writer', 'log', '--from-key']);
    await same(['--user', 'root:pw', 'user', 'revoke-role', 'alice', 'writer']);
    await same(['--user', 'root:pw', 'user', 'passwd', 'bob', '--interactive=false'], 'newpw\n');
    await same(['--user', 'bob:newpw', 'get', 'app/x']);
    await same(['--user', 'root:pw', 'user', 'delete', 'bob']);
    await same(['--user', 'root:pw', 'role', 'delete', 'writer']);
    assert.equal((await same(['--user', 'root:pw', 'auth', 'disable'])).stdout, 'Authentication Disabled\n');
    await same(['get', 'app/x']);
    await same(['--user', 'root:pw', 'get', 'app/x']);
  });

  it('rejects bad arguments before connecting', async () => {
    await same(['user', 'add']);
    await same(['user', 'get', 'a', 'b']);
    await same(['user', 'grant-role', 'a']);
    await same(['role', 'list', 'x']);
    await same(['role', 'revoke-permission', 'r']);
    await same(['role', 'grant-permission', 'r', 'read', 'k', '--prefix', '--from-key']);
    await same(['role', 'grant-permission', 'r', 'read', 'k', 'z', '--from-key']);
    await same(['auth', 'enable', 'now']);
    await same(['user', 'add', 'carol'], 'pw\n');
    await same(['user', 'add', 'carol'], '');
  });
});
