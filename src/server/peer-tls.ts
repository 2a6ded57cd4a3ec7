// Turns the peer TLS settings (--peer-cert-file, --peer-key-file, --peer-trusted-ca-file, --peer-client-cert-auth,
// --peer-crl-file, --peer-cert-allowed-cn, --peer-cert-allowed-hostname, --peer-auto-tls, --cipher-suites,
// --tls-min-version) into the certificates the peer transport serves and dials with, re-read when the files change.
import path from 'node:path';
import tls, { type SecureVersion } from 'node:tls';
import type { Logger } from 'pino';
import type { TetcdConfig } from '../config/types';
import type { PeerTls } from '../peer';
import { readTlsFile, reloading, type Reloading } from '../tls/reloading';
import { selfCert } from '../tls/self-cert';
import { opensslCipherList } from './client-tls';

interface PeerFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
  selfSigned: boolean;
}

function readPeerTls(cfg: TetcdConfig, files: PeerFiles): PeerTls {
  const t: PeerTls = {
    cert: readTlsFile(files.certFile, '--peer-cert-file'),
    key: readTlsFile(files.keyFile, '--peer-key-file'),
    clientCertAuth: cfg.peerClientCertAuth,
    skipVerify: files.selfSigned,
    ciphers: opensslCipherList(cfg.cipherSuites),
    minVersion: cfg.tlsMinVersion !== '' ? (cfg.tlsMinVersion as SecureVersion) : undefined,
  };
  if (files.caFile !== '') t.ca = readTlsFile(files.caFile, '--peer-trusted-ca-file');
  if (cfg.peerCrlFile !== '') t.crl = readTlsFile(cfg.peerCrlFile, '--peer-crl-file');
  if (cfg.peerCertAllowedCn !== '') t.allowedCn = cfg.peerCertAllowedCn;
  if (cfg.peerCertAllowedHostname !== '') t.allowedHostname = cfg.peerCertAllowedHostname;
  return t;
}

/**
 * The peer certificates, following the files on disk, or undefined when none are configured. With --peer-auto-tls
 * and no certificate given, a self-signed one is made (or reused) in <data-dir>/fixtures/peer and other members'
 * certificates are not verified, as etcd does. Throws when the files cannot be read or do not form a key pair.
 */
export async function peerTlsSource(cfg: TetcdConfig, logger: Logger): Promise<Reloading<PeerTls> | undefined> {
  if (cfg.peerCertAllowedCn !== '' && cfg.peerCertAllowedHostname !== '') {
    throw new Error('--peer-cert-allowed-cn and --peer-cert-allowed-hostname are mutually exclusive');
  }
  let files: PeerFiles = {
    certFile: cfg.peerCertFile,
    keyFile: cfg.peerKeyFile,
    caFile: cfg.peerTrustedCaFile,
    selfSigned: false,
  };
  if (files.certFile === '' || files.keyFile === '') {
    if (!cfg.peerAutoTls) return undefined;
    const made = await selfCert(path.join(cfg.dataDir, 'fixtures', 'peer'), cfg.listenPeerUrls);
    logger.info({ certFile: made.certFile }, 'using a self-signed peer certificate (--peer-auto-tls)');
    files = { ...files, ...made, selfSigned: true };
  } else if (cfg.peerAutoTls) {
    logger.warn('ignoring --peer-auto-tls since --peer-cert-file and --peer-key-file are given');
  }
  return reloading({
    files: [files.certFile, files.keyFile, files.caFile, cfg.peerCrlFile].filter((f) => f !== ''),
    build: () => {
      const t = readPeerTls(cfg, files);
      // Fails here, not on the next handshake, when the key does not match the certificate.
      tls.createSecureContext({ cert: t.cert, key: t.key, ca: t.ca });
      return t;
    },
    onError: (err) => logger.warn({ err: err.message }, 'cannot use the changed peer TLS files; keeping the previous ones'),
  });
}
