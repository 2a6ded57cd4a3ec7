// tetcdctl as a process: API selection, help, and the exit codes and messages of bad command lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/tetcd';
import { ctlProcess } from './ctl-helpers';

describe('tetcdctl process', () => {
  it('says in --help how to reach the v2 commands', async () => {
    const res = await ctlProcess(['--help']);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /Usage: tetcdctl \[global options\] command/);
    assert.match(res.stdout, /tetcdctl v2 <command>/);
    assert.match(res.stdout, /ETCDCTL_API=2/);
    for (const c of ['put', 'get', 'del', 'txn', 'watch', 'lease', 'member', 'endpoint', 'snapshot', 'check', 'lock', 'elect']) {
      assert.match(res.stdout, new RegExp(`\\n  ${c}\\b`), `help lists ${c}`);
    }
  });

  it('selects the v2 commands with ETCDCTL_API=2 or a leading "v2"', async () => {
    for (const run of [() => ctlProcess(['v2', '--help']), () => ctlProcess(['--help'], { env: { ETCDCTL_API: '2' } })]) {
      const res = await run();
      assert.equal(res.code, 0);
      assert.match(res.stdout, /\n  mkdir\b/);
      assert.match(res.stdout, /\n  cluster-health\b/);
    }
  });

  it('rejects unknown commands and flags', async () => {
    assert.deepEqual(await ctlProcess(['frobnicate']), {
      code: 1,
      stdout: '',
      stderr: 'Error: unknown command "frobnicate" for "tetcdctl"\nRun \'tetcdctl --help\' for usage.\n',
    });
    assert.deepEqual(await ctlProcess(['get', 'k', '--no-such-flag']), {
      code: 1,
      stdout: '',
      stderr: 'Error: unknown flag: --no-such-flag\n',
    });
  });

  it('reports an unreachable endpoint after the dial timeout', async () => {
    const port = await freePort();
    const started = Date.now();
    const res = await ctlProcess(['--endpoints', `127.0.0.1:${port}`, '--dial-timeout', '300ms', 'get', 'k']);
    assert.deepEqual(res, { code: 1, stdout: '', stderr: 'Error: context deadline exceeded\n' });
    assert.ok(Date.now() - started < 10000);
    const env = await ctlProcess(['lease', 'revoke', '1'], {
      env: { ETCDCTL_ENDPOINTS: `http://127.0.0.1:${port}`, ETCDCTL_DIAL_TIMEOUT: '300ms' },
    });
    assert.deepEqual(env, { code: 1, stdout: '', stderr: 'Error: failed to revoke lease (context deadline exceeded)\n' });
  });

  it('checks arguments before connecting', async () => {
    assert.deepEqual(await ctlProcess(['lease', 'grant', '1x']), {
      code: 128,
      stdout: '',
      stderr: 'Error: bad TTL (strconv.ParseInt: parsing "1x": invalid syntax)\n',
    });
    // etcdctl exits 1 on a flag its parser refuses (real etcdctl 3.4.23 checked).
    assert.deepEqual(await ctlProcess(['--dial-timeout', 'soon', 'get', 'k']), {
      code: 1,
      stdout: '',
      stderr: 'Error: invalid argument "soon" for "--dial-timeout" flag: time: invalid duration "soon"\n',
    });
    assert.deepEqual(await ctlProcess(['v2', 'set', '--ttl', 'x', '/k', 'v']), {
      code: 1,
      stdout: '',
      stderr: 'Error:  invalid value "x" for flag -ttl: parse error\n',
    });
  });
});
