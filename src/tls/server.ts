// A TLS server whose certificate, key and CA bundle follow the files on disk: the material is looked up as each
// connection arrives, before its handshake starts, so a replaced certificate is served to the next client.
import tls from 'node:tls';
import type { Reloading } from './reloading';

export interface ReloadingServerOptions {
  /** Certificate material and cipher settings, asked for on every new connection. */
  context: Reloading<tls.TlsOptions>;
  /** Options that stay fixed for the server's life, e.g. ALPN. */
  fixed?: tls.TlsOptions;
  /**
   * A further check of the client certificate once the handshake has verified it (e.g. an allowed CN); a returned
   * reason closes the connection.
   */
  checkClient?: (cert: tls.PeerCertificate) => string | undefined;
  /** Told why a connection was refused after the handshake. */
  onRefused?: (reason: string, socket: tls.TLSSocket) => void;
}

export function createReloadingTlsServer(
  opts: ReloadingServerOptions,
  onSecureConnection: (socket: tls.TLSSocket) => void,
): tls.Server {
  let applied = opts.context();
  const server = tls.createServer({ ...applied, ...opts.fixed }, (socket) => {
    const reason = opts.checkClient?.(socket.getPeerCertificate());
    if (reason !== undefined) {
      opts.onRefused?.(reason, socket);
      socket.destroy();
      return;
    }
    onSecureConnection(socket);
  });
  // tls.Server wraps each raw connection in its own 'connection' listener using the context current at that moment;
  // running first lets the new material apply to this very connection.
  server.prependListener('connection', () => {
    const next = opts.context();
    if (next === applied) return;
    applied = next;
    server.setSecureContext(next);
  });
  return server;
}
