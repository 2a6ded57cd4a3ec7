// Peer URLs as gRPC sees them: a host:port target and the credentials its scheme calls for.
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { allowedCertProblem } from '../tls/allowed-cert';

/** Certificates for the peer URLs; etcd's --peer-cert-file & co. serve both directions. */
export interface PeerTls {
  cert: Buffer;
  key: Buffer;
  /** Trusted CA bundle; the system roots when absent. */
  ca?: Buffer;
  /** Servers only: require and verify client certificates (--peer-client-cert-auth). */
  clientCertAuth?: boolean;
  /** Servers only: revoked client certificates (--peer-crl-file). */
  crl?: Buffer;
  /** --peer-cert-allowed-cn: the other member's certificate must carry exactly this CN (both directions, as in etcd). */
  allowedCn?: string;
  /** --peer-cert-allowed-hostname: the other member's certificate must be valid for this host name. */
  allowedHostname?: string;
  /** Dialling only: accept any server certificate (--peer-auto-tls certificates are self-signed, as in etcd). */
  skipVerify?: boolean;
  /** OpenSSL cipher list (--cipher-suites). */
  ciphers?: string;
  /** Lowest TLS version (--tls-min-version); TLS 1.2 when absent. */
  minVersion?: tls.SecureVersion;
}

/**
 * Peer certificates given once, or a function returning the current ones (the same object until the files change,
 * so a changed object means new credentials are due).
 */
export type PeerTlsSource = PeerTls | (() => PeerTls);

export function currentPeerTls(source: PeerTlsSource | undefined): PeerTls | undefined {
  return typeof source === 'function' ? source() : source;
}

/** Why `cert` may not be a peer's under `t`'s CN and host name rules, or undefined when it may. */
export function peerCertProblem(t: PeerTls, cert: tls.PeerCertificate): string | undefined {
  return allowedCertProblem(t, cert, 'peer');
}

export interface PeerEndpoint {
  secure: boolean;
  hostname: string;
  port: number;
}

export function parsePeerUrl(url: string): PeerEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid peer URL ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`peer URL ${url} must use http or https`);
  }
  const secure = u.protocol === 'https:';
  // WHATWG URLs drop a port equal to the scheme's default, so it has to be put back.
  const port = u.port === '' ? (secure ? 443 : 80) : Number(u.port);
  return { secure, hostname: u.hostname, port };
}

export function grpcTarget(ep: PeerEndpoint): string {
  return `${ep.hostname}:${ep.port}`;
}

export function formatPeerUrl(ep: PeerEndpoint): string {
  return `${ep.secure ? 'https' : 'http'}://${ep.hostname}:${ep.port}`;
}

export function channelCredentials(ep: PeerEndpoint, t: PeerTls | undefined): grpc.ChannelCredentials {
  if (!ep.secure) return grpc.credentials.createInsecure();
  if (t === undefined) return grpc.credentials.createSsl();
  const checkServerIdentity = (hostname: string, cert: tls.PeerCertificate): Error | undefined => {
    if (t.skipVerify) return undefined;
    const problem = peerCertProblem(t, cert);
    return problem !== undefined ? new Error(problem) : tls.checkServerIdentity(hostname, cert);
  };
  const context = tls.createSecureContext({ ca: t.ca, key: t.key, cert: t.cert, ciphers: t.ciphers, minVersion: t.minVersion });
  return grpc.credentials.createFromSecureContext(context, { checkServerIdentity, rejectUnauthorized: !t.skipVerify });
}

/** Peers are trusted members of one cluster: Raft batches and snapshot chunks may be large. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_send_message_length': -1,
  'grpc.max_receive_message_length': -1,
  // A restarted peer should be reached again within about a second, not grpc's default minutes.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
};

export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_send_message_length': -1,
  'grpc.max_receive_message_length': -1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
};
