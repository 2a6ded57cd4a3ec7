// Who a gRPC call comes from, as etcd decides it: the token a client got from Authenticate (metadata "token", or
// "authorization" from the HTTP gateway), else, with --client-cert-auth, the common name of its verified certificate.
import type * as grpc from '@grpc/grpc-js';
import type { AuthApi, Caller } from './api';

/** The parts of a server call that carry credentials. */
export interface CallCredentials {
  metadata: grpc.Metadata;
  getPeer(): string;
  getAuthContext(): { sslPeerCertificate?: { subject?: { CN?: string | string[] } } } | null;
}

/**
 * The CN of the verified certificate the client at `peer` ("ip:port", as getPeer() reports it) presented, for
 * listeners that terminate TLS themselves, where grpc-js cannot see the certificate.
 */
export type PeerCommonName = (peer: string) => string | undefined;

function firstString(values: grpc.MetadataValue[]): string | undefined {
  const v = values[0];
  return typeof v === 'string' ? v : undefined;
}

export async function callerOf(
  api: AuthApi,
  call: CallCredentials,
  clientCertAuth: boolean,
  peerCommonName?: PeerCommonName,
): Promise<Caller | undefined> {
  const token = firstString(call.metadata.get('token')) ?? firstString(call.metadata.get('authorization'));
  if (token !== undefined) return api.callerFromToken(token);
  if (!clientCertAuth) return undefined;
  // The gateway talks to us with its own certificate, whose name must not stand for the gateway's clients.
  if (call.metadata.get('grpcgateway-accept').length > 0) return undefined;
  const cn = call.getAuthContext()?.sslPeerCertificate?.subject?.CN;
  const name = (Array.isArray(cn) ? cn[0] : cn) ?? peerCommonName?.(call.getPeer());
  return name ? api.callerFromCommonName(name) : undefined;
}
