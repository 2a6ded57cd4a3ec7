// Turns the client TLS settings (--cert-file, --key-file, --trusted-ca-file, --client-cert-auth,
// --cipher-suites, --tls-min-version) into Node TLS options for listenClientUrls.
import fs from 'node:fs';
import type { SecureVersion, TlsOptions } from 'node:tls';
import { opensslCipherName } from '../config/cipher-suites';
import type { TetcdConfig } from '../config/types';

function read(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${flag} ${JSON.stringify(file)}: ${(err as Error).message}`);
  }
}

/**
 * Node TLS options for the client URLs, or undefined when no https/unixs URL needs them.
 * Throws when a file cannot be read or when only --auto-tls is given (tetcd cannot mint certificates).
 */
export function clientTlsOptions(cfg: TetcdConfig): TlsOptions | undefined {
  if (cfg.certFile === '' || cfg.keyFile === '') {
    if (cfg.autoTls) throw new Error('--auto-tls is not supported by tetcd; give --cert-file and --key-file');
    return undefined;
  }
  const options: TlsOptions = {
    cert: read(cfg.certFile, '--cert-file'),
    key: read(cfg.keyFile, '--key-file'),
    // etcd refuses anything older than TLS 1.2.
    minVersion: 'TLSv1.2',
  };
  if (cfg.trustedCaFile !== '') options.ca = read(cfg.trustedCaFile, '--trusted-ca-file');
  if (cfg.clientCertAuth) {
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  if (cfg.clientCrlFile !== '') options.crl = read(cfg.clientCrlFile, '--client-crl-file');
  if (cfg.cipherSuites.length > 0) {
    // OpenSSL's list takes TLS 1.2 and TLS 1.3 names side by side.
    options.ciphers = cfg.cipherSuites.map((s) => opensslCipherName(s) ?? s).join(':');
  }
  // validateConfig has already limited this to Node's version names.
  if (cfg.tlsMinVersion !== '') options.minVersion = cfg.tlsMinVersion as SecureVersion;
  return options;
}
