// tetcdctl over TLS: --cacert verifies the member, --insecure-skip-tls-verify skips that, and without either the
// handshake fails like any unreachable endpoint.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, REPO_ROOT, spawnTetcd, tempDir, type SpawnedMember } from '../helpers/tetcd';
import { ctl } from './ctl-helpers';

const fixtures = path.join(REPO_ROOT, 'test', 'server', 'fixtures');
const cert = path.join(fixtures, 'client-listener-cert.pem');
const key = path.join(fixtures, 'client-listener-key.pem');

describe('tetcdctl over TLS', () => {
  let member: SpawnedMember;
  let ep: string;

  before(async () => {
    const clientPort = await freePort();
    const peerPort = await freePort();
    ep = `https://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    member = await spawnTetcd({
      rawArgs: [
        '--data-dir', tempDir(),
        '--listen-client-urls', ep,
        '--advertise-client-urls', ep,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `default=${peer}`,
        '--cert-file', cert,
        '--key-file', key,
      ],
    });
    // The helper's health probe speaks plain HTTP; ask over TLS until the member answers.
    for (let i = 0; ; i++) {
      const res = await ctl(['--endpoints', ep, '--cacert', cert, 'endpoint', 'health']);
      if (res.code === 0) break;
      assert.ok(i < 100, `member never became healthy: ${res.stderr}\n${member.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await member?.stop();
  });

  it('verifies the server with --cacert', async () => {
    assert.deepEqual(await ctl(['--endpoints', ep, '--cacert', cert, 'put', 'secure', 'yes']), { code: 0, stdout: 'OK\n', stderr: '' });
    const got = await ctl(['get', 'secure'], { env: { ETCDCTL_ENDPOINTS: ep, ETCDCTL_CACERT: cert } });
    assert.equal(got.stdout, 'secure\nyes\n');
  });

  it('skips verification when told to', async () => {
    const got = await ctl(['--endpoints', ep, '--insecure-skip-tls-verify', 'get', 'secure', '--print-value-only']);
    assert.equal(got.stdout, 'yes\n');
  });

  it('fails without a trusted certificate', async () => {
    const res = await ctl(['--endpoints', ep, '--dial-timeout', '500ms', 'get', 'secure']);
    assert.deepEqual(res, { code: 1, stdout: '', stderr: 'Error: context deadline exceeded\n' });
  });

  it('reports a missing CA file as bad arguments', async () => {
    const res = await ctl(['--endpoints', ep, '--cacert', '/nonexistent/ca.pem', 'get', 'secure']);
    assert.deepEqual(res, { code: 128, stdout: '', stderr: 'Error: open /nonexistent/ca.pem: no such file or directory\n' });
  });
});
