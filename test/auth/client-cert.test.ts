// --client-cert-auth: with auth on, a client that gives no credentials is the user its certificate's CN names.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { etcdctl, freePort, spawnTetcd, tempDir, type SpawnedMember } from '../helpers/tetcd';

function openssl(cwd: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1, and a client certificate with CN=root, in `dir`. */
function makeCertificates(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-subj', '/CN=test-ca', '-days', '1']);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn, ext] of [['server', 'server', 'server.ext'], ['root', 'root', 'client.ext']]) {
    openssl(dir, ['req', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', '1', '-extfile', ext]);
  }
}

describe('client certificate common names as users', () => {
  let certs: string;
  let member: SpawnedMember;
  let tlsUrl: string;
  before(async () => {
    certs = tempDir('tetcd-certs-');
    makeCertificates(certs);
    const [tlsPort, plainPort, peerPort] = [await freePort(), await freePort(), await freePort()];
    tlsUrl = `https://127.0.0.1:${tlsPort}`;
    const dataDir = tempDir();
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    // The plaintext URL is only there for the helper's health check.
    member = await spawnTetcd({
      clientPort: plainPort,
      dataDir,
      rawArgs: [
        '--data-dir', dataDir,
        '--listen-client-urls', `${tlsUrl},http://127.0.0.1:${plainPort}`,
        '--advertise-client-urls', tlsUrl,
        '--listen-peer-urls', peerUrl,
        '--initial-advertise-peer-urls', peerUrl,
        '--initial-cluster', `default=${peerUrl}`,
        '--cert-file', path.join(certs, 'server.pem'),
        '--key-file', path.join(certs, 'server-key.pem'),
        '--trusted-ca-file', path.join(certs, 'ca.pem'),
        '--client-cert-auth',
        '--bcrypt-cost', '4',
      ],
    });
    await member.waitHealthy();
  });
  after(async () => {
    await member?.stop();
    if (member) fs.rmSync(member.dataDir, { recursive: true, force: true });
    fs.rmSync(certs, { recursive: true, force: true });
  });

  const ctl = (...args: string[]) =>
    etcdctl(tlsUrl, [
      '--cacert', path.join(certs, 'ca.pem'),
      '--cert', path.join(certs, 'root.pem'),
      '--key', path.join(certs, 'root-key.pem'),
      ...args,
    ]);

  it('acts as root without a password, while a password login still wins over the certificate', async () => {
    for (const args of [['user', 'add', 'root:pw'], ['user', 'grant-role', 'root', 'root'], ['user', 'add', 'u:upw'], ['auth', 'enable']]) {
      const r = await ctl(...args);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await ctl('put', 'k', 'v')).stdout, 'OK\n');
    assert.equal((await ctl('user', 'list')).stdout, 'root\nu\n');
    const asU = await ctl('--user', 'u:upw', 'get', 'k');
    assert.match(asU.stderr, /Error: etcdserver: permission denied/);
  });
});
