// Turns the client TLS settings (--cert-file, --key-file, --trusted-ca-file, --client-cert-auth, --client-crl-file,
// --cipher-suites, --tls-min-version, --auto-tls) into Node TLS options for listenClientUrls, re-read from disk
// whenever one of the files changes, and --client-cert-allowed-hostname into the check after the handshake.
import path from 'node:path';
import tls, { type SecureVersion, type TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { opensslCipherName } from '../config/cipher-suites';
import type { TetcdConfig } from '../config/types';
import { readTlsFile, reloading, type Reloading } from '../tls/reloading';
import { selfCert } from '../tls/self-cert';
import { allowedCertProblem } from '../tls/allowed-cert';
import type { ClientCertCheck } from './client-listener';

export type ClientTlsFlags = Pick<
  TetcdConfig,
  'certFile' | 'keyFile' | 'trustedCaFile' | 'clientCertAuth' | 'clientCrlFile' | 'cipherSuites' | 'tlsMinVersion'
>;

/** OpenSSL's cipher list for --cipher-suites; it takes TLS 1.2 and TLS 1.3 names side by side. */
export function opensslCipherList(suites: string[]): string | undefined {
  return suites.length > 0 ? suites.map((s) => opensslCipherName(s) ?? s).join(':') : undefined;
}

/**
 * Node TLS options for the client URLs as the files are now, or undefined when no certificate is configured.
 * Throws when a file cannot be read.
 */
export function clientTlsOptions(cfg: ClientTlsFlags): TlsOptions | undefined {
  if (cfg.certFile === '' || cfg.keyFile === '') return undefined;
  const options: TlsOptions = {
    cert: readTlsFile(cfg.certFile, '--cert-file'),
    key: readTlsFile(cfg.keyFile, '--key-file'),
    // etcd refuses anything older than TLS 1.2.
    minVersion: 'TLSv1.2',
  };
  if (cfg.trustedCaFile !== '') options.ca = readTlsFile(cfg.trustedCaFile, '--trusted-ca-file');
  if (cfg.clientCertAuth) {
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  if (cfg.clientCrlFile !== '') options.crl = readTlsFile(cfg.clientCrlFile, '--client-crl-file');
  const ciphers = opensslCipherList(cfg.cipherSuites);
  if (ciphers !== undefined) options.ciphers = ciphers;
  // validateConfig has already limited this to Node's version names.
  if (cfg.tlsMinVersion !== '') options.minVersion = cfg.tlsMinVersion as SecureVersion;
  return options;
}

/**
 * The client TLS options, following the files on disk, or undefined when the client URLs need no TLS. With
 * --auto-tls and no certificate given, a self-signed one is made (or reused) in <data-dir>/fixtures/client.
 * Throws when the files cannot be read or do not form a usable key pair.
 */
export async function clientTlsSource(cfg: TetcdConfig, logger: Logger): Promise<Reloading<TlsOptions> | undefined> {
  let flags: ClientTlsFlags = cfg;
  if (cfg.certFile === '' || cfg.keyFile === '') {
    if (!cfg.autoTls) return undefined;
    const files = await selfCert(path.join(cfg.dataDir, 'fixtures', 'client'), cfg.listenClientUrls);
    logger.info({ certFile: files.certFile }, 'serving client TLS with a self-signed certificate (--auto-tls)');
    flags = { ...cfg, ...files };
  } else if (cfg.autoTls) {
    logger.warn('ignoring --auto-tls since --cert-file and --key-file are given');
  }
  return reloading({
    files: [flags.certFile, flags.keyFile, flags.trustedCaFile, flags.clientCrlFile].filter((f) => f !== ''),
    build: () => {
      const options = clientTlsOptions(flags)!;
      // Fails here, not on the next handshake, when the key does not match the certificate.
      tls.createSecureContext(options);
      return options;
    },
    onError: (err) => logger.warn({ err: err.message }, 'cannot use the changed client TLS files; keeping the previous ones'),
  });
}

/**
 * --client-cert-allowed-hostname: with --client-cert-auth, a verified client certificate must also be valid for
 * this host name (etcd checks it the same way, after the chain). Undefined when there is nothing to check.
 */
export function clientCertCheck(cfg: TetcdConfig, logger: Logger): ClientCertCheck | undefined {
  if (!cfg.clientCertAuth || cfg.clientCertAllowedHostname === '') return undefined;
  return (cert) => {
    const reason = allowedCertProblem({ allowedHostname: cfg.clientCertAllowedHostname }, cert, 'client');
    if (reason !== undefined) logger.warn({ reason }, 'rejected client connection');
    return reason;
  };
}
