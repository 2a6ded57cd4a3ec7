// Peer TLS: a three-member cluster whose members talk Raft over mutual TLS (https peer URLs,
// --peer-client-cert-auth, --peer-cert-allowed-cn) replicates writes; a member holding a certificate from another
// CA gets nowhere, and neither does a caller whose certificate has the wrong CN.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultConfig, type TetcdConfig } from '../../src/config/types';
import { PeerClient, type PeerTls } from '../../src/peer';
import { startMember, type RunningMember } from '../../src/server/member';
import { haveOpenssl, TestCerts, type CertAuthority, type KeyPair } from '../helpers/certs';
import { freePort, haveEtcdctl } from '../helpers/tetcd';
import { etcdctl, silent, sleep } from './tls-member';

const skip = !haveOpenssl() || !haveEtcdctl() ? 'needs openssl and etcdctl 3.4' : false;

interface Node {
  name: string;
  peerUrl: string;
  clientUrl: string;
  dataDir: string;
  member: RunningMember;
}

function peerTls(pair: KeyPair, ca: CertAuthority): PeerTls {
  return { cert: fs.readFileSync(pair.cert), key: fs.readFileSync(pair.key), ca: fs.readFileSync(ca.cert), allowedCn: 'member' };
}

describe('peer mutual TLS', { skip }, () => {
  let certs: TestCerts;
  let ca: CertAuthority;
  let otherCa: CertAuthority;
  const nodes: Node[] = [];

  before(async () => {
    certs = new TestCerts();
    ca = certs.ca('ca');
    otherCa = certs.ca('other-ca');
    const names = ['a', 'b', 'c'];
    const peerPorts = await Promise.all(names.map(() => freePort()));
    const peerUrls = peerPorts.map((p) => `https://127.0.0.1:${p}`);
    const initialCluster = names.map((n, i) => `${n}=${peerUrls[i]}`).join(',');
    const started = await Promise.all(
      names.map(async (name, i) => {
        // c is outside the cluster's PKI: its certificate and its trust come from another CA.
        const issuer = name === 'c' ? otherCa : ca;
        const pair = certs.issue(issuer, { cn: 'member', file: `peer-${name}` });
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tetcd-peer-tls-${name}-`));
        const cfg: TetcdConfig = {
          ...defaultConfig(),
          name,
          dataDir,
          listenClientUrls: ['http://127.0.0.1:0'],
          advertiseClientUrls: ['http://127.0.0.1:0'],
          listenPeerUrls: [peerUrls[i]],
          initialAdvertisePeerUrls: [peerUrls[i]],
          initialCluster,
          heartbeatInterval: 50,
          electionTimeout: 500,
          peerCertFile: pair.cert,
          peerKeyFile: pair.key,
          peerTrustedCaFile: issuer.cert,
          peerClientCertAuth: true,
          peerCertAllowedCn: 'member',
        };
        const member = await startMember(cfg, silent);
        const { port } = member.clientAddresses[0];
        return { name, peerUrl: peerUrls[i], clientUrl: `http://127.0.0.1:${port}`, dataDir, member };
      }),
    );
    nodes.push(...started);
  });

  after(async () => {
    for (const n of nodes) {
      await n.member.stop();
      fs.rmSync(n.dataDir, { recursive: true, force: true });
    }
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  test('the members with certificates from the cluster CA elect a leader and replicate writes', async () => {
    const [a, b] = nodes;
    for (let i = 0; i < 200 && (a.member.server.leader() === 0n || b.member.server.leader() === 0n); i++) await sleep(25);
    assert.notEqual(a.member.server.leader(), 0n, 'a knows a leader');
    assert.equal(a.member.server.leader(), b.member.server.leader());
    const put = await etcdctl(a.clientUrl, {}, ['put', 'replicated', 'over-tls']);
    assert.equal(put.code, 0, put.stderr);
    let value = '';
    for (let i = 0; i < 100 && value !== 'over-tls'; i++) {
      const get = await etcdctl(b.clientUrl, {}, ['get', 'replicated', '--consistency=s', '--print-value-only']);
      value = get.stdout.trim();
      if (value !== 'over-tls') await sleep(50);
    }
    assert.equal(value, 'over-tls');
  });

  test('the member with a foreign-CA certificate never joins in', async () => {
    const c = nodes[2];
    assert.equal(c.member.server.leader(), 0n, 'c never hears from a leader');
    const get = await etcdctl(c.clientUrl, {}, ['get', 'replicated', '--consistency=s', '--print-value-only']);
    assert.equal(get.stdout.trim(), '', 'c has none of the cluster data');
  });

  test('peer calls are accepted only with a cluster-CA certificate whose CN is allowed', async () => {
    const a = nodes[0];
    const call = async (tls: PeerTls): Promise<string> => {
      const client = new PeerClient({ url: a.peerUrl, memberId: 0n, clusterId: 0n, peerId: 0n, tls, timeoutMs: 2000 });
      try {
        return (await client.memberInfo()).name;
      } catch (err) {
        return `refused: ${(err as Error).message}`;
      } finally {
        client.close();
      }
    };
    const good = certs.issue(ca, { cn: 'member', file: 'caller-good' });
    const wrongCn = certs.issue(ca, { cn: 'intruder', file: 'caller-intruder' });
    const foreign = certs.issue(otherCa, { cn: 'member', file: 'caller-foreign' });
    assert.equal(await call(peerTls(good, ca)), 'a');
    assert.match(await call(peerTls(wrongCn, ca)), /^refused/);
    assert.match(await call(peerTls(foreign, ca)), /^refused/);
  });
});
