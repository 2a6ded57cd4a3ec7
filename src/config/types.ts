// The typed result of reading etcd-style flags, ETCD_* variables or a YAML config file.
// Durations are milliseconds; URL lists are validated, de-duplicated and sorted the way etcd stores them.

export type ClusterState = 'new' | 'existing';
export type CompactionMode = 'periodic' | 'revision';
export type ProxyMode = 'off' | 'readonly' | 'on';
export type DiscoveryFallback = 'proxy' | 'exit';

export interface TetcdConfig {
  /** Path of the YAML file the settings came from, or '' when flags and environment were used. */
  configFile: string;

  // member
  name: string;
  dataDir: string;
  walDir: string;
  listenPeerUrls: string[];
  listenClientUrls: string[];
  listenMetricsUrls: string[];
  maxSnapshots: number;
  maxWals: number;
  snapshotCount: number;
  heartbeatInterval: number;
  electionTimeout: number;
  initialElectionTickAdvance: boolean;
  quotaBackendBytes: number;
  backendBatchInterval: number;
  backendBatchLimit: number;
  maxTxnOps: number;
  maxRequestBytes: number;
  grpcKeepaliveMinTime: number;
  grpcKeepaliveInterval: number;
  grpcKeepaliveTimeout: number;
  maxConcurrentStreams: number;

  // clustering
  initialAdvertisePeerUrls: string[];
  advertiseClientUrls: string[];
  discovery: string;
  discoveryFallback: DiscoveryFallback;
  discoveryProxy: string;
  discoverySrv: string;
  discoverySrvName: string;
  initialCluster: string;
  initialClusterToken: string;
  initialClusterState: ClusterState;
  strictReconfigCheck: boolean;
  enableV2: boolean;
  preVote: boolean;
  autoCompactionRetention: string;
  autoCompactionMode: CompactionMode;
  /** tetcd only: promote a learner to voter automatically once it has caught up. */
  autoPromoteLearners: boolean;

  // v2 proxy (accepted for compatibility; tetcd never runs as a proxy)
  proxy: ProxyMode;
  proxyFailureWait: number;
  proxyRefreshInterval: number;
  proxyDialTimeout: number;
  proxyWriteTimeout: number;
  proxyReadTimeout: number;

  // client TLS
  certFile: string;
  keyFile: string;
  clientCertAuth: boolean;
  clientCrlFile: string;
  clientCertAllowedHostname: string;
  trustedCaFile: string;
  autoTls: boolean;
  // peer TLS
  peerCertFile: string;
  peerKeyFile: string;
  peerClientCertAuth: boolean;
  peerTrustedCaFile: string;
  peerAutoTls: boolean;
  peerCrlFile: string;
  peerCertAllowedCn: string;
  peerCertAllowedHostname: string;
  experimentalPeerSkipClientSanVerification: boolean;
  cipherSuites: string[];
  /** tetcd only: '' (TLS 1.2 and up, like etcd 3.4), 'TLSv1.2' or 'TLSv1.3'. */
  tlsMinVersion: string;

  /** Allowed CORS origins; ['*'] allows every origin. */
  cors: string[];
  hostWhitelist: string[];

  // logging
  logger: string;
  logOutputs: string[];
  logLevel: string;
  debug: boolean;
  logPackageLevels: string;

  // auth
  authToken: string;
  bcryptCost: number;
  authTokenTtl: number;

  enablePprof: boolean;
  metrics: string;
  enableGrpcGateway: boolean;

  // experimental
  experimentalInitialCorruptCheck: boolean;
  experimentalCorruptCheckTime: number;
  experimentalEnableV2v3: string;
  experimentalBackendBboltFreelistType: string;
  experimentalEnableLeaseCheckpoint: boolean;
  experimentalEnableLeaseCheckpointPersist: boolean;
  experimentalCompactionBatchLimit: number;
  experimentalWatchProgressNotifyInterval: number;
  experimentalWarningApplyDuration: number;

  // unsafe
  unsafeNoFsync: boolean;
  forceNewCluster: boolean;
}

/** etcd's own default for --quota-backend-bytes=0. */
export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;

export function defaultConfig(): TetcdConfig {
  return {
    configFile: '',
    name: 'default',
    dataDir: '',
    walDir: '',
    listenPeerUrls: ['http://localhost:2380'],
    listenClientUrls: ['http://localhost:2379'],
    listenMetricsUrls: [],
    maxSnapshots: 5,
    maxWals: 5,
    snapshotCount: 100000,
    heartbeatInterval: 100,
    electionTimeout: 1000,
    initialElectionTickAdvance: true,
    quotaBackendBytes: 0,
    backendBatchInterval: 0,
    backendBatchLimit: 0,
    maxTxnOps: 128,
    maxRequestBytes: 1572864,
    grpcKeepaliveMinTime: 5000,
    grpcKeepaliveInterval: 2 * 60 * 60 * 1000,
    grpcKeepaliveTimeout: 20000,
    maxConcurrentStreams: 4294967295,

    initialAdvertisePeerUrls: ['http://localhost:2380'],
    advertiseClientUrls: ['http://localhost:2379'],
    discovery: '',
    discoveryFallback: 'proxy',
    discoveryProxy: '',
    discoverySrv: '',
    discoverySrvName: '',
    initialCluster: '',
    initialClusterToken: 'etcd-cluster',
    initialClusterState: 'new',
    strictReconfigCheck: true,
    enableV2: true,
    preVote: false,
    autoCompactionRetention: '0',
    autoCompactionMode: 'periodic',
    autoPromoteLearners: false,

    proxy: 'off',
    proxyFailureWait: 5000,
    proxyRefreshInterval: 30000,
    proxyDialTimeout: 1000,
    proxyWriteTimeout: 5000,
    proxyReadTimeout: 0,

    certFile: '',
    keyFile: '',
    clientCertAuth: false,
    clientCrlFile: '',
    clientCertAllowedHostname: '',
    trustedCaFile: '',
    autoTls: false,
    peerCertFile: '',
    peerKeyFile: '',
    peerClientCertAuth: false,
    peerTrustedCaFile: '',
    peerAutoTls: false,
    peerCrlFile: '',
    peerCertAllowedCn: '',
    peerCertAllowedHostname: '',
    experimentalPeerSkipClientSanVerification: false,
    cipherSuites: [],
    tlsMinVersion: '',

    cors: ['*'],
    hostWhitelist: ['*'],

    logger: 'zap',
    logOutputs: ['default'],
    logLevel: 'info',
    debug: false,
    logPackageLevels: '',

    authToken: 'simple',
    bcryptCost: 10,
    authTokenTtl: 300,

    enablePprof: false,
    metrics: 'basic',
    enableGrpcGateway: true,

    experimentalInitialCorruptCheck: false,
    experimentalCorruptCheckTime: 0,
    experimentalEnableV2v3: '',
    experimentalBackendBboltFreelistType: '',
    experimentalEnableLeaseCheckpoint: false,
    experimentalEnableLeaseCheckpointPersist: false,
    experimentalCompactionBatchLimit: 0,
    experimentalWatchProgressNotifyInterval: 0,
    experimentalWarningApplyDuration: 100,

    unsafeNoFsync: false,
    forceNewCluster: false,
  };
}
