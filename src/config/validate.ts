// Defaults that depend on other settings, and etcd's consistency checks on the finished config.
import { opensslCipherName } from './cipher-suites';
import { ConfigError, EXIT_INVALID_CONFIG } from './errors';
import { ValueError } from './go-values';
import type { TetcdConfig } from './types';
import { checkBindUrls, checkHostUrls, parseInitialCluster, schemeOf } from './urls';

/** etcd refuses election timeouts above this (ms). */
const MAX_ELECTION_MS = 50000;

const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'panic', 'fatal'];

function invalid(message: string): ConfigError {
  return new ConfigError(message, EXIT_INVALID_CONFIG);
}

export const UNSET_ADVERTISE_CLIENT_URLS =
  '--advertise-client-urls is required when --listen-client-urls is set explicitly';

/** True when etcd could end up running as a v2 proxy, which needs no advertised client URLs. */
export function mayBeProxy(cfg: TetcdConfig): boolean {
  return cfg.proxy !== 'off' || (cfg.discovery !== '' && cfg.discoveryFallback === 'proxy');
}

/**
 * Fills the defaults derived from other settings.
 * `initialClusterGiven` tells whether the user supplied --initial-cluster (or its variable/key).
 */
export function applyDerivedDefaults(cfg: TetcdConfig, initialClusterGiven: boolean): void {
  if (!initialClusterGiven) {
    const usesDiscovery = cfg.discovery !== '' || cfg.discoverySrv !== '' || cfg.discoverySrvName !== '';
    cfg.initialCluster = usesDiscovery ? '' : cfg.initialAdvertisePeerUrls.map((u) => `${cfg.name || 'default'}=${u}`).join(',');
  }
  if (cfg.dataDir === '') cfg.dataDir = `${cfg.name}.tetcd`;
}

/** The checks etcd runs on its configuration before touching the data directory. */
export function validateConfig(cfg: TetcdConfig): void {
  try {
    checkBindUrls(cfg.listenPeerUrls);
    checkBindUrls(cfg.listenClientUrls);
    checkBindUrls(cfg.listenMetricsUrls);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  for (const [flag, list] of [
    ['--initial-advertise-peer-urls', cfg.initialAdvertisePeerUrls],
    ['--advertise-client-urls', cfg.advertiseClientUrls],
  ] as const) {
    try {
      checkHostUrls(list);
    } catch (err) {
      throw invalid(`${flag} "${list.join(',')}" must be "host:port" (${(err as Error).message})`);
    }
  }
  const bootstrapSources = [cfg.discovery, cfg.initialCluster, cfg.discoverySrv].filter((s) => s !== '').length;
  if (bootstrapSources > 1) {
    throw invalid(
      'multiple discovery or bootstrap flags are set. Choose one of "initial-cluster", "discovery" or "discovery-srv"',
    );
  }
  if (cfg.heartbeatInterval <= 0) throw invalid(`--heartbeat-interval must be >0 (set to ${cfg.heartbeatInterval}ms)`);
  if (cfg.electionTimeout <= 0) throw invalid(`--election-timeout must be >0 (set to ${cfg.electionTimeout}ms)`);
  if (5 * cfg.heartbeatInterval > cfg.electionTimeout) {
    throw invalid(
      `--election-timeout[${cfg.electionTimeout}ms] should be at least as 5 times as --heartbeat-interval[${cfg.heartbeatInterval}ms]`,
    );
  }
  if (cfg.electionTimeout > MAX_ELECTION_MS) {
    throw invalid(`--election-timeout[${cfg.electionTimeout}ms] is too long, and should be set less than ${MAX_ELECTION_MS}ms`);
  }
  if (cfg.listenClientUrls.length > 0 && cfg.advertiseClientUrls.length === 0 && !mayBeProxy(cfg)) {
    throw invalid(UNSET_ADVERTISE_CLIENT_URLS);
  }
  if (cfg.experimentalEnableLeaseCheckpointPersist && !cfg.experimentalEnableLeaseCheckpoint) {
    throw invalid('setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint');
  }
  if (!LOG_LEVELS.includes(cfg.logLevel)) {
    throw invalid(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${cfg.logLevel}")`);
  }
  if (cfg.logger !== 'zap' && cfg.logger !== 'capnslog') throw invalid(`unknown logger option "${cfg.logger}"`);
  for (const suite of cfg.cipherSuites) {
    if (opensslCipherName(suite) === undefined) throw invalid(`unexpected TLS cipher suite "${suite}"`);
  }
  if (cfg.tlsMinVersion !== '' && !TLS_VERSIONS.includes(cfg.tlsMinVersion)) {
    throw invalid(`--tls-min-version must be one of ${TLS_VERSIONS.join(', ')}`);
  }
  const hasClientCert = cfg.certFile !== '' && cfg.keyFile !== '';
  for (const url of cfg.listenClientUrls) {
    const scheme = schemeOf(url);
    if ((scheme === 'https' || scheme === 'unixs') && !hasClientCert && !cfg.autoTls) {
      throw invalid(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${url} with HTTPS scheme`);
    }
  }
  try {
    parseInitialCluster(cfg.initialCluster);
  } catch (err) {
    if (err instanceof ValueError) throw invalid(`--initial-cluster: ${err.message}`);
    throw err;
  }
}

/**
 * The checks etcd makes on --initial-cluster when a member starts with an empty data directory
 * (afterwards the stored membership wins and these flags are ignored, so callers must only run
 * this for a fresh data directory). Throws ConfigError (exit 1).
 */
export function verifyBootstrap(cfg: TetcdConfig): void {
  if (cfg.discovery !== '' || cfg.discoverySrv !== '') return;
  const members = parseInitialCluster(cfg.initialCluster);
  const own = members.get(cfg.name);
  if (own === undefined) throw invalid(`couldn't find local name "${cfg.name}" in the initial cluster configuration`);
  const seen = new Set<string>();
  for (const urls of members.values()) {
    for (const u of urls) {
      if (seen.has(u)) throw invalid(`initial cluster ${clusterString(members)} has duplicate url`);
      seen.add(u);
    }
  }
  if (cfg.initialClusterState === 'existing') return;
  if (members.size === 0) throw invalid('initial cluster unset and no discovery URL found');
  const advertised = new Set(cfg.initialAdvertisePeerUrls);
  const missingFromAdvertised = own.filter((u) => !advertised.has(u));
  if (missingFromAdvertised.length > 0) {
    throw invalid(
      `--initial-cluster has ${missingFromAdvertised.map((u) => `${cfg.name}=${u}`).join(',')} but missing from ` +
        `--initial-advertise-peer-urls=${[...advertised].sort().join(',')}`,
    );
  }
  const listed = new Set(own);
  const missingFromCluster = cfg.initialAdvertisePeerUrls.filter((u) => !listed.has(u));
  if (missingFromCluster.length > 0) {
    throw invalid(
      `--initial-advertise-peer-urls has ${missingFromCluster.join(',')} but missing from ` +
        `--initial-cluster=${cfg.initialAdvertisePeerUrls.map((u) => `${cfg.name}=${u}`).join(',')}`,
    );
  }
}

function clusterString(members: Map<string, string[]>): string {
  const pairs: string[] = [];
  for (const [name, urls] of members) for (const u of urls) pairs.push(`${name}=${u}`);
  return pairs.sort().join(',');
}
