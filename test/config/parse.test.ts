import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig, TetcdConfig } from '../../src/config';

function parse(argv: string[], env: NodeJS.ProcessEnv = {}): { cfg: TetcdConfig; warnings: string[] } {
  const warnings: string[] = [];
  const cfg = parseConfig(argv, env, (w) => warnings.push(w));
  return { cfg, warnings };
}

/** Asserts parseConfig fails with the given exit code and a message matching `message`. */
function fails(argv: string[], env: NodeJS.ProcessEnv, exitCode: number, message: RegExp): void {
  assert.throws(
    () => parseConfig(argv, env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.equal(err.exitCode, exitCode, err.message);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('defaults', () => {
  it('match etcd 3.4 except where tetcd differs on purpose', () => {
    const { cfg } = parse([]);
    assert.equal(cfg.name, 'default');
    assert.equal(cfg.dataDir, 'default.tetcd');
    assert.equal(cfg.walDir, '');
    assert.deepEqual(cfg.listenClientUrls, ['http://localhost:2379']);
    assert.deepEqual(cfg.advertiseClientUrls, ['http://localhost:2379']);
    assert.deepEqual(cfg.listenPeerUrls, ['http://localhost:2380']);
    assert.deepEqual(cfg.initialAdvertisePeerUrls, ['http://localhost:2380']);
    assert.equal(cfg.initialCluster, 'default=http://localhost:2380');
    assert.equal(cfg.initialClusterToken, 'etcd-cluster');
    assert.equal(cfg.initialClusterState, 'new');
    assert.equal(cfg.snapshotCount, 100000);
    assert.equal(cfg.heartbeatInterval, 100);
    assert.equal(cfg.electionTimeout, 1000);
    assert.equal(cfg.quotaBackendBytes, 0);
    assert.equal(cfg.maxRequestBytes, 1572864);
    assert.equal(cfg.maxTxnOps, 128);
    assert.equal(cfg.grpcKeepaliveMinTime, 5000);
    assert.equal(cfg.grpcKeepaliveInterval, 7_200_000);
    assert.equal(cfg.grpcKeepaliveTimeout, 20000);
    assert.equal(cfg.autoCompactionMode, 'periodic');
    assert.equal(cfg.autoCompactionRetention, '0');
    assert.equal(cfg.enableV2, true);
    assert.equal(cfg.strictReconfigCheck, true);
    assert.equal(cfg.maxSnapshots, 5);
    assert.equal(cfg.maxWals, 5);
    assert.equal(cfg.authToken, 'simple');
    assert.equal(cfg.bcryptCost, 10);
    assert.equal(cfg.autoPromoteLearners, false);
    assert.deepEqual(cfg.cors, ['*']);
  });
});

describe('command-line syntax (Go flag package rules)', () => {
  it('accepts --name=v, --name v, -name v and bare booleans', () => {
    const { cfg } = parse([
      '--name=n1',
      '--data-dir',
      '/tmp/x',
      '-snapshot-count',
      '7',
      '--force-new-cluster',
      '--enable-v2=false',
      '--grpc-keepalive-interval=1h30m',
      '--quota-backend-bytes=0x100',
    ]);
    assert.equal(cfg.name, 'n1');
    assert.equal(cfg.dataDir, '/tmp/x');
    assert.equal(cfg.snapshotCount, 7);
    assert.equal(cfg.forceNewCluster, true);
    assert.equal(cfg.enableV2, false);
    assert.equal(cfg.grpcKeepaliveInterval, 5_400_000);
    assert.equal(cfg.quotaBackendBytes, 256);
    assert.equal(cfg.initialCluster, 'n1=http://localhost:2380');
  });

  it('lets the last occurrence of a flag win', () => {
    assert.equal(parse(['--name', 'a', '--name', 'b']).cfg.name, 'b');
  });

  it('sorts and de-duplicates URL lists', () => {
    const { cfg } = parse([
      '--listen-client-urls=http://127.0.0.1:2,http://127.0.0.1:1,http://127.0.0.1:2',
      '--advertise-client-urls=http://h:1',
    ]);
    assert.deepEqual(cfg.listenClientUrls, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
  });

  it('exits 2 on unknown flags, bad values and missing arguments', () => {
    fails(['--foo'], {}, 2, /^flag provided but not defined: -foo\n/);
    fails(['--heartbeat-interval=abc'], {}, 2, /^invalid value "abc" for flag -heartbeat-interval: parse error/);
    fails(['--heartbeat-interval=-1'], {}, 2, /parse error/);
    fails(['--enable-v2=maybe'], {}, 2, /^invalid boolean value "maybe" for -enable-v2: parse error/);
    fails(['--grpc-keepalive-min-time', '5'], {}, 2, /grpc-keepalive-min-time: parse error/);
    fails(['--name'], {}, 2, /^flag needs an argument: -name/);
    fails(['---name=x'], {}, 2, /^bad flag syntax: ---name=x/);
    fails(['--initial-cluster-state', 'maybe'], {}, 2, /initial-cluster-state: invalid value/);
    fails(['--auto-compaction-mode=daily'], {}, 2, /auto-compaction-mode: invalid value/);
    fails(['--listen-client-urls', 'foo'], {}, 2, /URL scheme must be http, https, unix, or unixs: foo/);
    fails(['--listen-peer-urls', 'http://127.0.0.1'], {}, 2, /does not have the form "host:port"/);
    fails(['--listen-peer-urls', 'http://127.0.0.1:1/path'], {}, 2, /URL must not contain a path/);
    fails(['--max-concurrent-streams=x'], {}, 2, /strconv.ParseUint: parsing "x": invalid syntax/);
  });

  it('exits 1 on stray arguments, as etcd does', () => {
    fails(['foo'], {}, 1, /^'foo' is not a valid flag$/);
    fails(['--', '--version'], {}, 1, /'--version' is not a valid flag/);
    fails(['--enable-v2', 'false'], {}, 1, /'false' is not a valid flag/);
  });

  it('answers --help and --version with informational exit 0', () => {
    for (const [argv, text] of [
      [['--help'], /--heartbeat-interval '100'/],
      [['-h'], /--initial-cluster-token 'etcd-cluster'/],
      [['--version'], /^tetcd Version: .+\netcd Version: 3\.4\.23\nAPI Version: 3\.4\n/],
    ] as const) {
      assert.throws(
        () => parseConfig([...argv], {}),
        (err: unknown) => err instanceof ConfigError && err.exitCode === 0 && err.informational && text.test(err.message),
      );
    }
  });

  it('accepts etcd 2 flags and warns that they are ignored', () => {
    const { warnings } = parse(['--snapshot', '--peer-heartbeat-interval=whatever']);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /--snapshot/);
  });
});

describe('validation (exit 1, etcd messages)', () => {
  it('requires election timeout >= 5 x heartbeat and <= 50s', () => {
    fails(['--election-timeout=300'], {}, 1, /^--election-timeout\[300ms\] should be at least as 5 times as --heartbeat-interval\[100ms\]$/);
    fails(['--election-timeout=60000'], {}, 1, /is too long, and should be set less than 50000ms/);
    fails(['--heartbeat-interval=0'], {}, 1, /^--heartbeat-interval must be >0 \(set to 0ms\)$/);
    assert.equal(parse(['--heartbeat-interval=50', '--election-timeout=250']).cfg.electionTimeout, 250);
  });

  it('requires advertise-client-urls once listen-client-urls is chosen', () => {
    fails(['--listen-client-urls=http://127.0.0.1:2379'], {}, 1, /^--advertise-client-urls is required when --listen-client-urls is set explicitly$/);
  });

  it('requires IP literals in listen URLs', () => {
    fails(['--listen-peer-urls=http://example.com:2380'], {}, 1, /^expected IP in URL for binding \(http:\/\/example.com:2380\)$/);
    assert.deepEqual(parse(['--listen-peer-urls=http://[::1]:2380']).cfg.listenPeerUrls, ['http://[::1]:2380']);
  });

  it('rejects conflicting bootstrap sources and bad initial-cluster URLs', () => {
    fails(['--initial-cluster=a=http://127.0.0.1:1', '--discovery=https://d/x'], {}, 1, /multiple discovery or bootstrap flags/);
    fails(['--name=a', '--initial-cluster=a=ftp://x:1'], {}, 1, /^--initial-cluster: URL scheme must be/);
  });

  it('clears the default initial cluster when discovery is used', () => {
    assert.equal(parse(['--discovery=https://discovery.example/abc']).cfg.initialCluster, '');
  });

  it('checks TLS settings like etcd', () => {
    fails(['--cipher-suites=TLS_BOGUS'], {}, 1, /^unexpected TLS cipher suite "TLS_BOGUS"$/);
    const ok = parse(['--cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256']).cfg;
    assert.deepEqual(ok.cipherSuites, ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256']);
    fails(
      ['--listen-client-urls=https://127.0.0.1:2379', '--advertise-client-urls=https://127.0.0.1:2379'],
      {},
      1,
      /^TLS key\/cert \(--cert-file, --key-file\) must be provided for client url https:\/\/127.0.0.1:2379 with HTTPS scheme$/,
    );
    fails(['--tls-min-version=SSLv3'], {}, 1, /--tls-min-version must be one of TLSv1.2, TLSv1.3/);
  });

  it('checks log level and lease checkpoint dependencies', () => {
    fails(['--log-level=loud'], {}, 1, /--log-level must be one of/);
    fails(['--experimental-enable-lease-checkpoint-persist'], {}, 1, /requires experimental-enable-lease-checkpoint/);
  });
});

describe('ETCD_* environment variables', () => {
  const seedEnv: NodeJS.ProcessEnv = {
    ETCD_NAME: 'node1',
    ETCD_DATA_DIR: '/var/lib/tetcd/node1',
    ETCD_LISTEN_PEER_URLS: 'http://10.0.0.1:2380',
    ETCD_LISTEN_CLIENT_URLS: 'http://10.0.0.1:2379,http://127.0.0.1:2379',
    ETCD_INITIAL_ADVERTISE_PEER_URLS: 'http://10.0.0.1:2380',
    ETCD_ADVERTISE_CLIENT_URLS: 'http://10.0.0.1:2379',
    ETCD_INITIAL_CLUSTER: 'node1=http://10.0.0.1:2380,node2=http://10.0.0.2:2380',
    ETCD_INITIAL_CLUSTER_TOKEN: 'tok',
    ETCD_INITIAL_CLUSTER_STATE: 'existing',
  };

  it('reads the variables of an etcd.conf environment file', () => {
    const { cfg, warnings } = parse([], seedEnv);
    assert.deepEqual(warnings, []);
    assert.equal(cfg.name, 'node1');
    assert.equal(cfg.dataDir, '/var/lib/tetcd/node1');
    assert.deepEqual(cfg.listenPeerUrls, ['http://10.0.0.1:2380']);
    assert.deepEqual(cfg.listenClientUrls, ['http://10.0.0.1:2379', 'http://127.0.0.1:2379']);
    assert.deepEqual(cfg.initialAdvertisePeerUrls, ['http://10.0.0.1:2380']);
    assert.deepEqual(cfg.advertiseClientUrls, ['http://10.0.0.1:2379']);
    assert.equal(cfg.initialCluster, 'node1=http://10.0.0.1:2380,node2=http://10.0.0.2:2380');
    assert.equal(cfg.initialClusterToken, 'tok');
    assert.equal(cfg.initialClusterState, 'existing');
  });

  it('lets a command-line flag win over its variable, with a warning', () => {
    const { cfg, warnings } = parse(['--name=fromflag'], { ETCD_NAME: 'fromenv', ETCD_SNAPSHOT_COUNT: '9' });
    assert.equal(cfg.name, 'fromflag');
    assert.equal(cfg.snapshotCount, 9);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /ETCD_NAME/);
  });

  it('ignores empty variables and warns about unknown ETCD_ ones', () => {
    const { cfg, warnings } = parse([], { ETCD_NAME: '', ETCD_BOGUS: '1', ETCDCTL_API: '3' });
    assert.equal(cfg.name, 'default');
    assert.deepEqual(warnings, ['unrecognized environment variable ETCD_BOGUS=1']);
  });

  it('exits 1 with the variable name on bad values', () => {
    fails([], { ETCD_HEARTBEAT_INTERVAL: 'abc' }, 1, /^invalid value "abc" for ETCD_HEARTBEAT_INTERVAL: parse error$/);
    fails([], { ...seedEnv, ETCD_LISTEN_PEER_URLS: '10.0.0.1:2380' }, 1, /for ETCD_LISTEN_PEER_URLS: URL scheme must be/);
    fails([], { ...seedEnv, ETCD_LISTEN_CLIENT_URLS: 'http://10.0.0.1' }, 1, /ETCD_LISTEN_CLIENT_URLS: URL address does not have the form "host:port"/);
    fails([], { ...seedEnv, ETCD_ADVERTISE_CLIENT_URLS: 'tcp://10.0.0.1:2379' }, 1, /ETCD_ADVERTISE_CLIENT_URLS/);
    fails([], { ...seedEnv, ETCD_INITIAL_ADVERTISE_PEER_URLS: 'http://10.0.0.1:2380/x' }, 1, /must not contain a path/);
    fails([], { ...seedEnv, ETCD_INITIAL_CLUSTER_STATE: 'old' }, 1, /^invalid value "old" for ETCD_INITIAL_CLUSTER_STATE: invalid value$/);
    fails([], { ...seedEnv, ETCD_INITIAL_CLUSTER: 'node1=10.0.0.1:2380' }, 1, /--initial-cluster: URL scheme must be/);
    fails([], { ...seedEnv, ETCD_LISTEN_PEER_URLS: 'http://node1.example:2380' }, 1, /expected IP in URL for binding/);
    fails([], { ...seedEnv, ETCD_ADVERTISE_CLIENT_URLS: '' , ETCD_NAME: 'node1' }, 1, /--advertise-client-urls is required/);
  });

  it('counts a listen URL from the environment as explicitly set', () => {
    fails([], { ETCD_LISTEN_CLIENT_URLS: 'http://127.0.0.1:2379' }, 1, /--advertise-client-urls is required/);
  });
});
