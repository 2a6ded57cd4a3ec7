import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config';

let dir: string;

function writeFile(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

function failsWith(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof ConfigError && err.exitCode === 1 && message.test(err.message));
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-config-'));
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('--config-file', () => {
  it('reads etcd YAML keys, including the transport-security sections', () => {
    const p = writeFile(
      'full.yaml',
      [
        'name: infra1',
        'data-dir: /var/lib/infra1',
        'snapshot-count: 5000',
        'heartbeat-interval: 50',
        'election-timeout: 500',
        'listen-client-urls: http://127.0.0.1:2379,http://10.0.0.1:2379',
        'advertise-client-urls: http://10.0.0.1:2379',
        'listen-peer-urls: http://10.0.0.1:2380',
        'initial-advertise-peer-urls: http://10.0.0.1:2380',
        'initial-cluster: infra1=http://10.0.0.1:2380,infra2=http://10.0.0.2:2380',
        "initial-cluster-state: 'existing'",
        'enable-v2: false',
        'strict-reconfig-check: no',
        'grpc-keepalive-min-time: 7000000000',
        'grpc-keepalive-interval: 1h',
        'cipher-suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]',
        'wal-dir:',
        'client-transport-security:',
        '  cert-file: /c.pem',
        '  key-file: /c.key',
        '  client-cert-auth: true',
        '  trusted-ca-file: /ca.pem',
        'peer-transport-security:',
        '  auto-tls: true',
      ].join('\n'),
    );
    const cfg = loadConfigFile(p);
    assert.equal(cfg.configFile, p);
    assert.equal(cfg.name, 'infra1');
    assert.equal(cfg.dataDir, '/var/lib/infra1');
    assert.equal(cfg.walDir, '');
    assert.equal(cfg.snapshotCount, 5000);
    assert.equal(cfg.heartbeatInterval, 50);
    assert.equal(cfg.electionTimeout, 500);
    assert.deepEqual(cfg.listenClientUrls, ['http://10.0.0.1:2379', 'http://127.0.0.1:2379']);
    assert.equal(cfg.initialClusterState, 'existing');
    assert.equal(cfg.enableV2, false);
    assert.equal(cfg.strictReconfigCheck, false);
    assert.equal(cfg.grpcKeepaliveMinTime, 7000);
    assert.equal(cfg.grpcKeepaliveInterval, 3_600_000);
    assert.equal(cfg.cipherSuites.length, 2);
    assert.equal(cfg.certFile, '/c.pem');
    assert.equal(cfg.keyFile, '/c.key');
    assert.equal(cfg.clientCertAuth, true);
    assert.equal(cfg.trustedCaFile, '/ca.pem');
    assert.equal(cfg.peerAutoTls, true);
    assert.equal(cfg.peerCertFile, '');
  });

  it('keeps defaults for missing keys and derives initial-cluster and data-dir from the name', () => {
    const cfg = loadConfigFile(writeFile('min.yaml', 'name: solo\n'));
    assert.equal(cfg.dataDir, 'solo.tetcd');
    assert.equal(cfg.initialCluster, 'solo=http://localhost:2380');
    assert.equal(cfg.heartbeatInterval, 100);
    assert.equal(cfg.enableV2, true);
    assert.deepEqual(cfg.advertiseClientUrls, ['http://localhost:2379']);
  });

  it('accepts an empty or comment-only file', () => {
    assert.equal(loadConfigFile(writeFile('empty.yaml', '')).name, 'default');
    assert.equal(loadConfigFile(writeFile('comments.yaml', '# nothing set\n')).heartbeatInterval, 100);
  });

  it('ignores other flags and ETCD_* variables when given (flag or ETCD_CONFIG_FILE)', () => {
    const p = writeFile('named.yaml', 'name: fromfile\n');
    const warnings: string[] = [];
    const viaFlag = parseConfig(['--config-file', p, '--name=fromflag'], { ETCD_NAME: 'fromenv' }, (w) => warnings.push(w));
    assert.equal(viaFlag.name, 'fromfile');
    assert.ok(warnings.some((w) => /other flags and ETCD_\* variables are ignored/.test(w)));
    const viaEnv = parseConfig(['--name=fromflag'], { ETCD_CONFIG_FILE: p, ETCD_NAME: 'fromenv' });
    assert.equal(viaEnv.name, 'fromfile');
  });

  it('still rejects malformed command lines when a config file is given', () => {
    const p = writeFile('ok.yaml', 'name: x\n');
    assert.throws(
      () => parseConfig(['--config-file', p, '--bogus'], {}),
      (err: unknown) => err instanceof ConfigError && err.exitCode === 2,
    );
  });

  it('warns about unknown keys but loads the rest', () => {
    const warnings: string[] = [];
    const cfg = loadConfigFile(writeFile('unknown.yaml', 'name: a\nbogus-key: 1\n'), (w) => warnings.push(w));
    assert.equal(cfg.name, 'a');
    assert.deepEqual(warnings, [`config file ${path.join(dir, 'unknown.yaml')}: unknown key "bogus-key" ignored`]);
  });

  it('rejects bad values with exit 1', () => {
    failsWith(() => loadConfigFile(writeFile('b1.yaml', 'election-timeout: abc\n')), /invalid value "abc" for election-timeout: parse error/);
    failsWith(() => loadConfigFile(writeFile('b2.yaml', 'listen-client-urls: foo\n')), /listen-client-urls: URL scheme must be/);
    failsWith(() => loadConfigFile(writeFile('b3.yaml', 'initial-cluster-state: old\n')), /initial-cluster-state/);
    failsWith(() => loadConfigFile(writeFile('b4.yaml', 'heartbeat-interval: 500\n')), /should be at least as 5 times/);
    failsWith(() => loadConfigFile(writeFile('b5.yaml', 'name: [a\n')), /is not valid YAML/);
    failsWith(() => loadConfigFile(writeFile('b6.yaml', '- a\n- b\n')), /must hold a mapping/);
    failsWith(() => loadConfigFile(path.join(dir, 'missing.yaml')), /cannot read config file/);
    failsWith(() => loadConfigFile(writeFile('b7.yaml', 'enable-v2: maybe\n')), /enable-v2: parse error/);
  });
});
