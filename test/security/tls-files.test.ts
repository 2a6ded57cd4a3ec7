// The pieces under the TLS setup: files re-read only when they change, a bad replacement kept out, and the
// self-signed certificates of --auto-tls / --peer-auto-tls.
import assert from 'node:assert/strict';
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultConfig } from '../../src/config/types';
import { peerTlsSource } from '../../src/server/peer-tls';
import { clientTlsSource } from '../../src/server/client-tls';
import { reloading } from '../../src/tls/reloading';
import { selfCert } from '../../src/tls/self-cert';
import { haveOpenssl, makeCertSet, removeCerts, type CertSet } from '../helpers/certs';
import { replaceFile, silent } from './tls-member';

describe('reloading', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-reloading-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('rebuilds only when a file changed, and keeps the last good material when the new files are unusable', () => {
    const file = path.join(dir, 'value');
    fs.writeFileSync(file, 'one');
    let builds = 0;
    const errors: string[] = [];
    const current = reloading({
      files: [file],
      build: () => {
        builds++;
        const text = fs.readFileSync(file, 'utf8');
        if (text === 'broken') throw new Error('unusable');
        return { text };
      },
      onError: (err) => errors.push(err.message),
    });
    const first = current();
    assert.equal(current(), first, 'unchanged files give the same object');
    assert.equal(builds, 1);
    fs.writeFileSync(path.join(dir, 'next'), 'two');
    replaceFile(path.join(dir, 'next'), file);
    assert.deepEqual(current(), { text: 'two' });
    fs.writeFileSync(path.join(dir, 'next'), 'broken');
    replaceFile(path.join(dir, 'next'), file);
    assert.deepEqual(current(), { text: 'two' }, 'a bad replacement keeps the previous material');
    assert.deepEqual(current(), { text: 'two' });
    assert.deepEqual(errors, ['unusable'], 'reported once');
  });
});

describe('self-signed certificates', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-selfcert-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('cover the listen hosts, pair with their key, and are reused on the next start', async () => {
    const files = await selfCert(path.join(dir, 'fixtures', 'peer'), ['https://127.0.0.1:2380', 'https://node1.example:2380']);
    const cert = new X509Certificate(fs.readFileSync(files.certFile));
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName ?? '', /DNS:node1\.example/);
    assert.match(cert.subject, /O=etcd/);
    assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(files.keyFile))));
    const again = await selfCert(path.join(dir, 'fixtures', 'peer'), ['https://127.0.0.1:2380']);
    assert.equal(new X509Certificate(fs.readFileSync(again.certFile)).fingerprint256, cert.fingerprint256);
  });

  test('--peer-auto-tls dials without verifying the other members, as etcd does', async () => {
    const source = await peerTlsSource(
      { ...defaultConfig(), dataDir: dir, peerAutoTls: true, listenPeerUrls: ['https://127.0.0.1:2380'] },
      silent,
    );
    assert.ok(source);
    assert.equal(source().skipVerify, true);
    assert.ok(fs.existsSync(path.join(dir, 'fixtures', 'peer', 'cert.pem')));
  });
});

describe('TLS sources from the config', { skip: haveOpenssl() ? false : 'needs openssl' }, () => {
  let set: CertSet;
  before(() => {
    set = makeCertSet();
  });
  after(() => removeCerts(set));

  test('no certificate and no auto TLS means no TLS', async () => {
    assert.equal(await clientTlsSource(defaultConfig(), silent), undefined);
    assert.equal(await peerTlsSource(defaultConfig(), silent), undefined);
  });

  test('a key that does not match the certificate stops the start-up', async () => {
    const cfg = { ...defaultConfig(), certFile: set.server.cert, keyFile: set.client.key };
    await assert.rejects(clientTlsSource(cfg, silent));
    const peer = { ...defaultConfig(), peerCertFile: set.server.cert, peerKeyFile: set.client.key };
    await assert.rejects(peerTlsSource(peer, silent));
  });

  test('peer settings carry the CN rule and the CA', async () => {
    const source = await peerTlsSource(
      {
        ...defaultConfig(),
        peerCertFile: set.server.cert,
        peerKeyFile: set.server.key,
        peerTrustedCaFile: set.ca.cert,
        peerClientCertAuth: true,
        peerCertAllowedCn: 'member',
      },
      silent,
    );
    const t = source!();
    assert.equal(t.allowedCn, 'member');
    assert.equal(t.clientCertAuth, true);
    assert.equal(t.skipVerify, false);
    assert.deepEqual(t.ca, fs.readFileSync(set.ca.cert));
  });

  test('--peer-cert-allowed-cn and --peer-cert-allowed-hostname exclude each other', async () => {
    const cfg = { ...defaultConfig(), peerCertAllowedCn: 'a', peerCertAllowedHostname: 'b' };
    await assert.rejects(peerTlsSource(cfg, silent), /mutually exclusive/);
  });
});
