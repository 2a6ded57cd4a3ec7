// The table of every flag etcd 3.4 accepts (plus tetcd's own), each knowing how to store a textual
// value into TetcdConfig. The same table serves the command line, ETCD_* variables and config files.
import {
  parseGoBool,
  parseGoDuration,
  parseGoInt,
  parseGoUint,
  parseGoUint32,
  ValueError,
} from './go-values';
import { parseUrlList } from './urls';
import type { TetcdConfig } from './types';

export type FlagSection =
  | 'Member'
  | 'Clustering'
  | 'Security'
  | 'Auth'
  | 'Logging'
  | 'Profiling and monitoring'
  | 'v2 proxy (accepted, not used by tetcd)'
  | 'Experimental'
  | 'Unsafe';

export interface FlagSpec {
  name: string;
  section: FlagSection;
  help: string;
  /**
   * 'bool': Go bool flag, takes no separate argument ("--x" is true, "--x=false" clears it).
   * 'duration': Go duration text; config files may also give integer nanoseconds, as in etcd.
   */
  kind: 'bool' | 'duration' | 'other';
  /** Shown in --help; '' for flags whose default is empty. */
  defaultText: string;
  /** Stores the value; throws ValueError with Go's wording when it does not parse. */
  set(cfg: TetcdConfig, value: string): void;
}

type KeysOfType<T> = { [K in keyof TetcdConfig]: TetcdConfig[K] extends T ? K : never }[keyof TetcdConfig];

type Setter<T> = (text: string, previous: T) => T;

function spec<T>(
  key: KeysOfType<T>,
  parse: Setter<T>,
  kind: FlagSpec['kind'],
): (name: string, section: FlagSection, defaultText: string, help: string) => FlagSpec {
  return (name, section, defaultText, help) => ({
    name,
    section,
    help,
    kind,
    defaultText,
    set(cfg, value) {
      const target = cfg as unknown as Record<string, T>;
      target[key] = parse(value, target[key]);
    },
  });
}

const str = (key: KeysOfType<string>) => spec<string>(key, (t) => t, 'other');
const bool = (key: KeysOfType<boolean>) => spec<boolean>(key, parseGoBool, 'bool');
const uint = (key: KeysOfType<number>) => spec<number>(key, parseGoUint, 'other');
const int = (key: KeysOfType<number>) => spec<number>(key, parseGoInt, 'other');
const duration = (key: KeysOfType<number>) => spec<number>(key, parseGoDuration, 'duration');
const uint32 = (key: KeysOfType<number>) =>
  spec<number>(
    key,
    (t) => {
      try {
        return parseGoUint32(t);
      } catch (err) {
        // etcd's own Uint32Value reports strconv's error text rather than flag's short form.
        const why = (err as Error).message === 'value out of range' ? 'value out of range' : 'invalid syntax';
        throw new ValueError(`strconv.ParseUint: parsing "${t}": ${why}`);
      }
    },
    'other',
  );

/** URL list; like etcd, an explicitly empty value is accepted and leaves the current list alone. */
const urls = (key: KeysOfType<string[]>) => spec<string[]>(key, (t, previous) => (t === '' ? previous : parseUrlList(t)), 'other');

/** Comma list that is de-duplicated and sorted (etcd's UniqueStringsValue). */
const uniqueList = (key: KeysOfType<string[]>) => spec<string[]>(key, (t) => [...new Set(t.split(','))].sort(), 'other');

/** Comma list kept in the given order (etcd's StringsValue). */
const list = (key: KeysOfType<string[]>) => spec<string[]>(key, (t) => t.split(','), 'other');

/** "*" is added to the current origins; anything else must be a URL list and replaces them. */
const cors = (key: KeysOfType<string[]>) =>
  spec<string[]>(
    key,
    (t, previous) => {
      if (previous.includes(t)) return previous;
      if (t === '*') return [...previous, '*'].sort();
      return parseUrlList(t);
    },
    'other',
  );

function choice<T extends string>(key: KeysOfType<T>, valids: readonly T[]) {
  return spec<T>(
    key,
    (t) => {
      if (!(valids as readonly string[]).includes(t)) throw new ValueError('invalid value');
      return t as T;
    },
    'other',
  );
}

/** Flags from etcd 2 that etcd still accepts (as booleans) and ignores with a warning. */
export const IGNORED_FLAGS = [
  'cluster-active-size',
  'cluster-remove-delay',
  'cluster-sync-interval',
  'config',
  'force',
  'max-result-buffer',
  'max-retry-attempts',
  'peer-heartbeat-interval',
  'peer-election-timeout',
  'retry-interval',
  'snapshot',
  'v',
  'vv',
];

const M: FlagSection = 'Member';
const C: FlagSection = 'Clustering';
const S: FlagSection = 'Security';
const A: FlagSection = 'Auth';
const L: FlagSection = 'Logging';
const P: FlagSection = 'Profiling and monitoring';
const X: FlagSection = 'v2 proxy (accepted, not used by tetcd)';
const E: FlagSection = 'Experimental';
const U: FlagSection = 'Unsafe';

export const FLAGS: readonly FlagSpec[] = [
  str('name')('name', M, 'default', 'Human-readable name of this member; must appear in --initial-cluster.'),
  str('dataDir')('data-dir', M, '${name}.tetcd', 'Directory holding the member\'s data.'),
  str('walDir')('wal-dir', M, '', 'Put the write-ahead log in this directory instead of inside the data directory.'),
  uint('snapshotCount')('snapshot-count', M, '100000', 'Committed entries between two snapshots to disk.'),
  uint('heartbeatInterval')('heartbeat-interval', M, '100', 'Milliseconds between leader heartbeats.'),
  uint('electionTimeout')('election-timeout', M, '1000', 'Milliseconds without a heartbeat before a follower calls an election.'),
  bool('initialElectionTickAdvance')('initial-election-tick-advance', M, 'true', 'Fast-forward election ticks at boot so a leader is elected sooner.'),
  urls('listenPeerUrls')('listen-peer-urls', M, 'http://localhost:2380', 'URLs to accept traffic from other members on.'),
  urls('listenClientUrls')('listen-client-urls', M, 'http://localhost:2379', 'URLs to accept client traffic (gRPC and HTTP) on.'),
  urls('listenMetricsUrls')('listen-metrics-urls', M, '', 'Extra URLs serving only /metrics and /health.'),
  uint('maxSnapshots')('max-snapshots', M, '5', 'Snapshot files to keep (0 keeps all).'),
  uint('maxWals')('max-wals', M, '5', 'WAL files to keep (0 keeps all).'),
  int('quotaBackendBytes')('quota-backend-bytes', M, '0', 'Raise a NOSPACE alarm past this database size; 0 means 2 GiB.'),
  duration('backendBatchInterval')('backend-batch-interval', M, '0s', 'Longest time before a backend batch is committed.'),
  int('backendBatchLimit')('backend-batch-limit', M, '0', 'Most operations in one backend batch.'),
  uint('maxTxnOps')('max-txn-ops', M, '128', 'Most operations allowed in one transaction.'),
  uint('maxRequestBytes')('max-request-bytes', M, '1572864', 'Largest client request accepted, in bytes.'),
  uint32('maxConcurrentStreams')('max-concurrent-streams', M, '4294967295', 'Most concurrent gRPC streams per client connection.'),
  duration('grpcKeepaliveMinTime')('grpc-keepalive-min-time', M, '5s', 'Shortest interval a client may ping the server at.'),
  duration('grpcKeepaliveInterval')('grpc-keepalive-interval', M, '2h0m0s', 'How often the server pings an idle client (0 disables).'),
  duration('grpcKeepaliveTimeout')('grpc-keepalive-timeout', M, '20s', 'How long to wait for a ping answer before closing (0 disables).'),

  urls('initialAdvertisePeerUrls')('initial-advertise-peer-urls', C, 'http://localhost:2380', 'Peer URLs of this member as the rest of the cluster should reach them.'),
  urls('advertiseClientUrls')('advertise-client-urls', C, 'http://localhost:2379', 'Client URLs of this member as clients should reach them.'),
  str('discovery')('discovery', C, '', 'Discovery service URL used to bootstrap the cluster.'),
  choice('discoveryFallback', ['proxy', 'exit'])('discovery-fallback', C, 'proxy', "What to do when discovery fails: 'exit' or 'proxy'."),
  str('discoveryProxy')('discovery-proxy', C, '', 'HTTP proxy for talking to the discovery service.'),
  str('discoverySrv')('discovery-srv', C, '', 'DNS domain whose SRV records list the initial cluster.'),
  str('discoverySrvName')('discovery-srv-name', C, '', 'Suffix of the SRV service name queried for discovery.'),
  str('initialCluster')('initial-cluster', C, '${name}=${initial-advertise-peer-urls}', 'Members of the cluster being bootstrapped, as name=peerURL,...'),
  str('initialClusterToken')('initial-cluster-token', C, 'etcd-cluster', 'Token that keeps separate clusters from mixing up during bootstrap.'),
  choice('initialClusterState', ['new', 'existing'])('initial-cluster-state', C, 'new', "'new' to bootstrap a cluster, 'existing' to join one."),
  bool('strictReconfigCheck')('strict-reconfig-check', C, 'true', 'Refuse membership changes that could lose quorum.'),
  bool('enableV2')('enable-v2', C, 'true', 'Serve the v2 HTTP API (on by default in tetcd).'),
  bool('preVote')('pre-vote', C, 'false', 'Run a pre-vote round before elections.'),
  str('autoCompactionRetention')('auto-compaction-retention', C, '0', 'How much history automatic compaction keeps; 0 disables it.'),
  choice('autoCompactionMode', ['periodic', 'revision'])('auto-compaction-mode', C, 'periodic', "'periodic' (retention is a duration, hours if no unit) or 'revision' (a revision count)."),
  bool('autoPromoteLearners')('auto-promote-learners', C, 'false', 'tetcd only: promote learners to voters once they have caught up.'),

  choice('proxy', ['off', 'readonly', 'on'])('proxy', X, 'off', "'off', 'readonly' or 'on'."),
  uint('proxyFailureWait')('proxy-failure-wait', X, '5000', 'Milliseconds a failed endpoint stays out of rotation.'),
  uint('proxyRefreshInterval')('proxy-refresh-interval', X, '30000', 'Milliseconds between endpoint refreshes.'),
  uint('proxyDialTimeout')('proxy-dial-timeout', X, '1000', 'Dial timeout in milliseconds.'),
  uint('proxyWriteTimeout')('proxy-write-timeout', X, '5000', 'Write timeout in milliseconds.'),
  uint('proxyReadTimeout')('proxy-read-timeout', X, '0', 'Read timeout in milliseconds.'),

  str('certFile')('cert-file', S, '', 'TLS certificate for the client URLs.'),
  str('keyFile')('key-file', S, '', 'TLS key for the client URLs.'),
  bool('clientCertAuth')('client-cert-auth', S, 'false', 'Require clients to present a certificate signed by --trusted-ca-file.'),
  str('clientCrlFile')('client-crl-file', S, '', 'Revoked client certificates.'),
  str('clientCertAllowedHostname')('client-cert-allowed-hostname', S, '', 'Only accept client certificates for this hostname.'),
  str('trustedCaFile')('trusted-ca-file', S, '', 'CA bundle for verifying client certificates.'),
  bool('autoTls')('auto-tls', S, 'false', 'Serve client TLS with a generated self-signed certificate.'),
  str('peerCertFile')('peer-cert-file', S, '', 'TLS certificate for peer traffic.'),
  str('peerKeyFile')('peer-key-file', S, '', 'TLS key for peer traffic.'),
  bool('peerClientCertAuth')('peer-client-cert-auth', S, 'false', 'Require peers to present a certificate.'),
  str('peerTrustedCaFile')('peer-trusted-ca-file', S, '', 'CA bundle for verifying peers.'),
  bool('peerAutoTls')('peer-auto-tls', S, 'false', 'Peer TLS with a generated self-signed certificate.'),
  str('peerCrlFile')('peer-crl-file', S, '', 'Revoked peer certificates.'),
  str('peerCertAllowedCn')('peer-cert-allowed-cn', S, '', 'Only accept peer certificates with this common name.'),
  str('peerCertAllowedHostname')('peer-cert-allowed-hostname', S, '', 'Only accept peer certificates for this hostname.'),
  bool('experimentalPeerSkipClientSanVerification')('experimental-peer-skip-client-san-verification', S, 'false', 'Do not check SANs of peer client certificates.'),
  list('cipherSuites')('cipher-suites', S, '', 'Comma-separated TLS cipher suites (empty: the runtime\'s defaults).'),
  str('tlsMinVersion')('tls-min-version', S, '', 'tetcd only: lowest TLS version accepted, TLSv1.2 or TLSv1.3 (default TLSv1.2).'),
  cors('cors')('cors', S, '*', 'Comma-separated origins allowed by CORS (* allows all).'),
  uniqueList('hostWhitelist')('host-whitelist', S, '*', 'Host headers accepted on insecure listeners (* allows all).'),

  str('authToken')('auth-token', A, 'simple', "Token type: 'simple' or 'jwt,...' options."),
  uint('bcryptCost')('bcrypt-cost', A, '10', 'bcrypt cost factor for password hashes.'),
  uint('authTokenTtl')('auth-token-ttl', A, '300', 'Seconds a simple token stays valid.'),

  str('logger')('logger', L, 'zap', "'zap' for JSON lines; 'capnslog' is accepted for compatibility."),
  uniqueList('logOutputs')('log-outputs', L, 'default', "Where logs go: 'stderr', 'stdout' or 'default'."),
  uniqueList('logOutputs')('log-output', L, 'default', 'Older spelling of --log-outputs.'),
  str('logLevel')('log-level', L, 'info', 'debug, info, warn, error, panic or fatal.'),
  bool('debug')('debug', L, 'false', 'Older way to say --log-level=debug.'),
  str('logPackageLevels')('log-package-levels', L, '', 'Accepted for compatibility; ignored.'),

  bool('enablePprof')('enable-pprof', P, 'false', 'Serve runtime profiles under /debug/pprof/ on client URLs.'),
  str('metrics')('metrics', P, 'basic', "'basic' or 'extensive' metric detail."),
  bool('enableGrpcGateway')('enable-grpc-gateway', P, 'true', 'Serve the v3 JSON gateway on client URLs.'),

  bool('experimentalInitialCorruptCheck')('experimental-initial-corrupt-check', E, 'false', 'Check data consistency with peers before serving.'),
  duration('experimentalCorruptCheckTime')('experimental-corrupt-check-time', E, '0s', 'Interval between corruption checks.'),
  str('experimentalEnableV2v3')('experimental-enable-v2v3', E, '', 'Serve v2 requests from v3 storage under this prefix.'),
  str('experimentalBackendBboltFreelistType')('experimental-backend-bbolt-freelist-type', E, '', 'bbolt freelist type (no effect in tetcd).'),
  bool('experimentalEnableLeaseCheckpoint')('experimental-enable-lease-checkpoint', E, 'false', 'Leader checkpoints lease TTLs to followers.'),
  bool('experimentalEnableLeaseCheckpointPersist')('experimental-enable-lease-checkpoint-persist', E, 'false', 'Persist lease checkpoints (needs --experimental-enable-lease-checkpoint).'),
  int('experimentalCompactionBatchLimit')('experimental-compaction-batch-limit', E, '0', 'Most revisions removed per compaction batch.'),
  duration('experimentalWatchProgressNotifyInterval')('experimental-watch-progress-notify-interval', E, '0s', 'Interval of watch progress notifications.'),
  duration('experimentalWarningApplyDuration')('experimental-warning-apply-duration', E, '100ms', 'Warn when applying a request takes longer than this.'),

  bool('unsafeNoFsync')('unsafe-no-fsync', U, 'false', 'Skip fsync: faster, but data can be lost on crash.'),
  bool('forceNewCluster')('force-new-cluster', U, 'false', 'Restart as a single-member cluster, dropping the others.'),
];

export const FLAGS_BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(FLAGS.map((f) => [f.name, f]));
