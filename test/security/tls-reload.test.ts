// Certificates and CA bundles replaced on disk are used for the next connection without a restart, on the client
// port and on the peer port, and by the peer dialer.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PeerClient, type PeerTls } from '../../src/peer';
import { fingerprintOf, haveOpenssl, makeCertSet, removeCerts, type CertSet, type KeyPair } from '../helpers/certs';
import { freePort, haveEtcdctl } from '../helpers/tetcd';
import { curl, etcdctl, replaceFile, servedFingerprint, startSingle, type TestMember } from './tls-member';

const skip = !haveOpenssl() || !haveEtcdctl() ? 'needs openssl and etcdctl 3.4' : false;

describe('certificate reload', { skip }, () => {
  let set: CertSet;
  let m: TestMember;
  let clientPort: number;
  let peerPort: number;
  // The member reads these; the tests overwrite them.
  let served: KeyPair;
  let peerServed: KeyPair;
  let trusted: string;

  before(async () => {
    set = makeCertSet();
    const dir = set.certs.dir;
    served = { cert: path.join(dir, 'served.pem'), key: path.join(dir, 'served-key.pem') };
    peerServed = { cert: path.join(dir, 'peer-served.pem'), key: path.join(dir, 'peer-served-key.pem') };
    trusted = path.join(dir, 'trusted.pem');
    const peer = set.certs.issue(set.ca, { cn: 'member', file: 'peer-v1' });
    for (const [from, to] of [[set.server, served], [peer, peerServed]] as const) {
      fs.copyFileSync(from.cert, to.cert);
      fs.copyFileSync(from.key, to.key);
    }
    fs.copyFileSync(set.ca.cert, trusted);
    peerPort = await freePort();
    const peerUrl = `https://127.0.0.1:${peerPort}`;
    m = await startSingle({
      certFile: served.cert,
      keyFile: served.key,
      trustedCaFile: trusted,
      clientCertAuth: true,
      listenPeerUrls: [peerUrl],
      initialAdvertisePeerUrls: [peerUrl],
      initialCluster: `tls=${peerUrl}`,
      peerCertFile: peerServed.cert,
      peerKeyFile: peerServed.key,
      peerTrustedCaFile: set.ca.cert,
      peerClientCertAuth: true,
    });
    clientPort = Number(new URL(m.clientUrl).port);
  });

  after(async () => {
    await m?.stop();
    if (set) removeCerts(set);
  });

  test('a replaced client certificate is served to the next connection', async () => {
    const creds = { cert: set.client.cert, key: set.client.key };
    assert.equal(await servedFingerprint(clientPort, creds), fingerprintOf(set.server.cert));
    const next = set.certs.issue(set.ca, { cn: 'server-v2', file: 'server-v2' });
    replaceFile(next.key, served.key);
    replaceFile(next.cert, served.cert);
    assert.equal(await servedFingerprint(clientPort, creds), fingerprintOf(next.cert));
    const put = await etcdctl(m.clientUrl, { cacert: set.ca.cert, ...creds }, ['put', 'after-reload', 'ok']);
    assert.equal(put.code, 0, put.stderr);
  });

  test('a replaced trusted CA bundle decides which client certificates are accepted', async () => {
    const ours = { cacert: set.ca.cert, cert: set.client.cert, key: set.client.key };
    const foreign = { cacert: set.ca.cert, cert: set.foreignClient.cert, key: set.foreignClient.key };
    assert.equal((await curl(`${m.clientUrl}/health`, ours)).code, 0);
    assert.notEqual((await curl(`${m.clientUrl}/health`, foreign)).code, 0);
    replaceFile(set.otherCa.cert, trusted);
    const nowForeign = await curl(`${m.clientUrl}/health`, foreign);
    assert.equal(nowForeign.code, 0, nowForeign.stderr);
    assert.notEqual((await curl(`${m.clientUrl}/health`, ours)).code, 0);
    replaceFile(set.ca.cert, trusted);
  });

  test('a replaced peer certificate is served to the next peer connection', async () => {
    const creds = { cert: set.client.cert, key: set.client.key };
    const before = await servedFingerprint(peerPort, creds);
    assert.equal(before, fingerprintOf(peerServed.cert));
    const next = set.certs.issue(set.ca, { cn: 'member', file: 'peer-v2' });
    replaceFile(next.key, peerServed.key);
    replaceFile(next.cert, peerServed.cert);
    assert.equal(await servedFingerprint(peerPort, creds), fingerprintOf(next.cert));
  });

  test('the peer dialer makes a new connection with changed certificates', async () => {
    const read = (pair: KeyPair): PeerTls => ({
      cert: fs.readFileSync(pair.cert),
      key: fs.readFileSync(pair.key),
      ca: fs.readFileSync(set.ca.cert),
    });
    let current = read(set.client);
    const client = new PeerClient({
      url: `https://127.0.0.1:${peerPort}`,
      memberId: 0n,
      clusterId: 0n,
      peerId: 0n,
      tls: () => current,
      timeoutMs: 2000,
    });
    try {
      assert.equal((await client.memberInfo()).name, 'tls');
      current = read(set.foreignClient);
      await assert.rejects(client.memberInfo(), 'a certificate from another CA is refused once it is in use');
      current = read(set.client);
      assert.equal((await client.memberInfo()).name, 'tls');
    } finally {
      client.close();
    }
  });
});
