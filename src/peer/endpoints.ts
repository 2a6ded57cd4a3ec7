// Peer URLs as gRPC sees them: a host:port target and the credentials its scheme calls for.
import * as grpc from '@grpc/grpc-js';

/** Certificates for the peer URLs; etcd's --peer-cert-file & co. serve both directions. */
export interface PeerTls {
  cert: Buffer;
  key: Buffer;
  /** Trusted CA bundle; the system roots when absent. */
  ca?: Buffer;
  /** Servers only: require and verify client certificates (--peer-client-cert-auth). */
  clientCertAuth?: boolean;
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

export function channelCredentials(ep: PeerEndpoint, tls: PeerTls | undefined): grpc.ChannelCredentials {
  if (!ep.secure) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls?.ca ?? null, tls?.key ?? null, tls?.cert ?? null);
}

export function serverCredentials(ep: PeerEndpoint, tls: PeerTls | undefined): grpc.ServerCredentials {
  if (!ep.secure) return grpc.ServerCredentials.createInsecure();
  if (tls === undefined) throw new Error(`peer URL ${formatPeerUrl(ep)} needs TLS but no certificate is configured`);
  return grpc.ServerCredentials.createSsl(
    tls.ca ?? null,
    [{ private_key: tls.key, cert_chain: tls.cert }],
    tls.clientCertAuth ?? false,
  );
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
