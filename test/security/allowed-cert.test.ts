// The CN and host-name rules applied to verified certificates (--peer-cert-allowed-cn, --peer-cert-allowed-hostname,
// --client-cert-allowed-hostname), on real certificates made with openssl.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { allowedCertProblem } from '../../src/tls/allowed-cert';
import { haveOpenssl, TestCerts } from '../helpers/certs';

const skip = haveOpenssl() ? false : 'needs openssl';

function peerCert(file: string): tls.PeerCertificate {
  return new X509Certificate(fs.readFileSync(file)).toLegacyObject() as tls.PeerCertificate;
}

describe('allowed certificate rules', { skip }, () => {
  let certs: TestCerts;
  let dns: tls.PeerCertificate;
  let wildcard: tls.PeerCertificate;
  let ip: tls.PeerCertificate;
  let cnOnly: tls.PeerCertificate;

  before(() => {
    certs = new TestCerts();
    const ca = certs.ca('ca');
    dns = peerCert(certs.issue(ca, { cn: 'user', sans: ['DNS:app.example.com'], file: 'dns' }).cert);
    wildcard = peerCert(certs.issue(ca, { cn: 'user', sans: ['DNS:*.example.com'], file: 'wildcard' }).cert);
    ip = peerCert(certs.issue(ca, { cn: 'user', sans: ['IP:10.0.0.7'], file: 'ip' }).cert);
    cnOnly = peerCert(certs.issue(ca, { cn: 'app.example.com', sans: [], file: 'cn-only' }).cert);
  });

  after(() => fs.rmSync(certs.dir, { recursive: true, force: true }));

  test('a host name must match a DNS SAN (wildcards too), an IP an IP SAN', () => {
    assert.equal(allowedCertProblem({ allowedHostname: 'app.example.com' }, dns, 'client'), undefined);
    assert.equal(allowedCertProblem({ allowedHostname: 'app.example.com' }, wildcard, 'client'), undefined);
    assert.equal(allowedCertProblem({ allowedHostname: '10.0.0.7' }, ip, 'peer'), undefined);
    assert.equal(
      allowedCertProblem({ allowedHostname: 'other.example.org' }, dns, 'client'),
      'client certificate is not valid for the allowed host name "other.example.org"',
    );
    assert.notEqual(allowedCertProblem({ allowedHostname: '10.0.0.8' }, ip, 'peer'), undefined);
  });

  test('a CN alone does not satisfy a host name, as in Go', () => {
    assert.equal(
      allowedCertProblem({ allowedHostname: 'app.example.com' }, cnOnly, 'peer'),
      'peer certificate is not valid for the allowed host name "app.example.com"',
    );
  });

  test('an allowed CN must match exactly; empty rules let everything pass', () => {
    assert.equal(allowedCertProblem({ allowedCn: 'user' }, dns, 'peer'), undefined);
    assert.equal(allowedCertProblem({ allowedCn: 'admin' }, dns, 'peer'), 'peer certificate CN "user" is not the allowed "admin"');
    assert.equal(allowedCertProblem({}, cnOnly, 'client'), undefined);
    assert.equal(allowedCertProblem({ allowedCn: '', allowedHostname: '' }, cnOnly, 'client'), undefined);
  });
});
