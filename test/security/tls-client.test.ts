// Client TLS on a real member, driven by etcd 3.4's etcdctl (gRPC over h2) and curl (HTTP/1.1) on the same port:
// mutual TLS accepted, every kind of bad client refused, and the cipher and version limits enforced.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { haveOpenssl, makeCertSet, removeCerts, type CertSet } from '../helpers/certs';
import { haveEtcdctl } from '../helpers/tetcd';
import { curl, etcdctl, startSingle, type TestMember } from './tls-member';

const skip = !haveOpenssl() || !haveEtcdctl() ? 'needs openssl and etcdctl 3.4' : false;

describe('client TLS with --client-cert-auth', { skip }, () => {
  let set: CertSet;
  let m: TestMember;
  let good: { cacert: string; cert: string; key: string };

  before(async () => {
    set = makeCertSet();
    good = { cacert: set.ca.cert, cert: set.client.cert, key: set.client.key };
    m = await startSingle({
      certFile: set.server.cert,
      keyFile: set.server.key,
      trustedCaFile: set.ca.cert,
      clientCertAuth: true,
    });
  });

  after(async () => {
    await m?.stop();
    if (set) removeCerts(set);
  });

  test('etcdctl with a client certificate from the trusted CA writes and reads over gRPC', async () => {
    const put = await etcdctl(m.clientUrl, good, ['put', 'tls-key', 'tls-value']);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stdout.trim(), 'OK');
    const get = await etcdctl(m.clientUrl, good, ['get', 'tls-key', '--print-value-only']);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout.trim(), 'tls-value');
  });

  test('curl speaks HTTP/1.1 on the same TLS port', async () => {
    const health = await curl(`${m.clientUrl}/health`, good);
    assert.equal(health.code, 0, health.stderr);
    assert.equal(JSON.parse(health.stdout).health, 'true');
    const range = await curl(`${m.clientUrl}/v3/kv/range`, good, ['-X', 'POST', '-d', JSON.stringify({ key: Buffer.from('tls-key').toString('base64') })]);
    assert.equal(range.code, 0, range.stderr);
    const kvs = JSON.parse(range.stdout).kvs as Array<{ value: string }>;
    assert.equal(Buffer.from(kvs[0].value, 'base64').toString(), 'tls-value');
  });

  test('clients without a good certificate, and plaintext clients, are refused', async () => {
    const noCert = { cacert: set.ca.cert };
    const foreign = { cacert: set.ca.cert, cert: set.foreignClient.cert, key: set.foreignClient.key };
    const expired = { cacert: set.ca.cert, cert: set.expiredClient.cert, key: set.expiredClient.key };
    const plainUrl = m.clientUrl.replace('https://', 'http://');
    const results = await Promise.all([
      etcdctl(m.clientUrl, noCert, ['get', 'tls-key']),
      etcdctl(m.clientUrl, foreign, ['get', 'tls-key']),
      etcdctl(m.clientUrl, expired, ['get', 'tls-key']),
      etcdctl(plainUrl, {}, ['get', 'tls-key']),
      curl(`${m.clientUrl}/health`, noCert),
      curl(`${m.clientUrl}/health`, foreign),
      curl(`${m.clientUrl}/health`, expired),
      curl(`${plainUrl}/health`, {}),
    ]);
    const names = ['etcdctl/no cert', 'etcdctl/foreign CA', 'etcdctl/expired', 'etcdctl/plaintext',
      'curl/no cert', 'curl/foreign CA', 'curl/expired', 'curl/plaintext'];
    results.forEach((r, i) => {
      assert.notEqual(r.code, 0, `${names[i]} must fail: ${r.stdout}`);
      assert.doesNotMatch(r.stdout, /tls-value|"health"/, names[i]);
    });
  });
});

describe('--client-cert-allowed-hostname', { skip }, () => {
  let set: CertSet;
  let m: TestMember;
  let allowed: { cacert: string; cert: string; key: string };
  let other: { cacert: string; cert: string; key: string };

  before(async () => {
    set = makeCertSet();
    const forHost = (host: string, file: string) => set.certs.issue(set.ca, { cn: 'user', usage: 'client', sans: [`DNS:${host}`], file });
    const a = forHost('app.example.com', 'allowed-client');
    const o = forHost('other.example.com', 'other-client');
    allowed = { cacert: set.ca.cert, cert: a.cert, key: a.key };
    other = { cacert: set.ca.cert, cert: o.cert, key: o.key };
    m = await startSingle({
      certFile: set.server.cert,
      keyFile: set.server.key,
      trustedCaFile: set.ca.cert,
      clientCertAuth: true,
      clientCertAllowedHostname: 'app.example.com',
    });
  });

  after(async () => {
    await m?.stop();
    if (set) removeCerts(set);
  });

  test('a client certificate valid for the host name gets in over gRPC and HTTP', async () => {
    const put = await etcdctl(m.clientUrl, allowed, ['put', 'host-key', 'host-value']);
    assert.equal(put.code, 0, put.stderr);
    const health = await curl(`${m.clientUrl}/health`, allowed);
    assert.equal(health.code, 0, health.stderr);
    assert.equal(JSON.parse(health.stdout).health, 'true');
  });

  test('a certificate from the trusted CA for another host name is refused', async () => {
    const [get, health] = await Promise.all([
      etcdctl(m.clientUrl, other, ['get', 'host-key', '--dial-timeout', '2s', '--command-timeout', '3s']),
      curl(`${m.clientUrl}/health`, other),
    ]);
    assert.notEqual(get.code, 0, `etcdctl must fail: ${get.stdout}`);
    assert.doesNotMatch(get.stdout, /host-value/);
    assert.notEqual(health.code, 0, `curl must fail: ${health.stdout}`);
  });
});

describe('--cipher-suites and --tls-min-version', { skip }, () => {
  let set: CertSet;
  const members: TestMember[] = [];

  before(() => {
    set = makeCertSet();
  });

  after(async () => {
    for (const m of members) await m.stop();
    if (set) removeCerts(set);
  });

  test('only the configured TLS 1.2 cipher suites are negotiated', async () => {
    const m = await startSingle({
      certFile: set.server.cert,
      keyFile: set.server.key,
      cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    });
    members.push(m);
    const creds = { cacert: set.ca.cert };
    const allowed = await curl(`${m.clientUrl}/health`, creds, ['--tls-max', '1.2', '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
    assert.equal(allowed.code, 0, allowed.stderr);
    const other = await curl(`${m.clientUrl}/health`, creds, ['--tls-max', '1.2', '--ciphers', 'ECDHE-ECDSA-AES256-GCM-SHA384']);
    assert.notEqual(other.code, 0, 'a suite outside --cipher-suites must not be negotiated');
  });

  test('--tls-min-version TLSv1.3 refuses TLS 1.2 clients', async () => {
    const m = await startSingle({ certFile: set.server.cert, keyFile: set.server.key, tlsMinVersion: 'TLSv1.3' });
    members.push(m);
    const creds = { cacert: set.ca.cert };
    const tls13 = await curl(`${m.clientUrl}/health`, creds, ['--tlsv1.3']);
    assert.equal(tls13.code, 0, tls13.stderr);
    const tls12 = await curl(`${m.clientUrl}/health`, creds, ['--tls-max', '1.2']);
    assert.notEqual(tls12.code, 0, 'TLS 1.2 must be refused');
  });

  test('--auto-tls serves a self-signed certificate kept in <data-dir>/fixtures/client', async () => {
    const m = await startSingle({ autoTls: true });
    members.push(m);
    const certFile = path.join(m.dataDir, 'fixtures', 'client', 'cert.pem');
    assert.ok(fs.existsSync(certFile));
    assert.ok(fs.existsSync(path.join(m.dataDir, 'fixtures', 'client', 'key.pem')));
    // The self-signed certificate is its own CA.
    const trusted = await curl(`${m.clientUrl}/health`, { cacert: certFile });
    assert.equal(trusted.code, 0, trusted.stderr);
    const put = await etcdctl(m.clientUrl, { cacert: certFile }, ['put', 'auto', 'tls']);
    assert.equal(put.code, 0, put.stderr);
  });
});
