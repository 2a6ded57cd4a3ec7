// One client URL serves both gRPC (HTTP/2) and HTTP/1.1, as etcd does. Each accepted connection is
// routed once: over TLS by the ALPN protocol the client picked, in plaintext by whether its first
// bytes are the HTTP/2 connection preface. gRPC connections go to grpc-js through a connection
// injector, everything else to the http.Server that Fastify runs on.
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { schemeOf, splitHostPort } from '../config/urls';
import type { Reloading } from '../tls/reloading';
import { createReloadingTlsServer } from '../tls/server';
import { handOverRepairingAuthority } from './grpc-authority';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface ClientAddress {
  url: string;
  /** The port actually bound (differs from the URL's when it asked for port 0); 0 for unix sockets. */
  port: number;
}

export interface ClientListeners {
  addresses: ClientAddress[];
  /** Stops accepting and drops every open client connection. */
  close(): Promise<void>;
}

type Route = (socket: net.Socket) => void;

/**
 * The common names of verified client certificates, by the connection's "address:port" as gRPC's getPeer() reports
 * it. gRPC connections reach grpc-js through the :authority shim, so grpc-js cannot see the TLS socket itself.
 */
export class CertificateNames {
  private readonly byPeer = new Map<string, string>();

  remember(socket: tls.TLSSocket): void {
    if (!socket.authorized) return;
    const cn = socket.getPeerCertificate()?.subject?.CN;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (!name) return;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.byPeer.set(peer, name);
    socket.once('close', () => this.byPeer.delete(peer));
  }

  /** The name for a peer as grpc-js formats it ("1.2.3.4:5" or "[::1]:5"). */
  of(peer: string): string | undefined {
    return this.byPeer.get(peer) ?? this.byPeer.get(peer.replace(/^\[(.*)\](:\d+)$/, '$1$2'));
  }
}

/** Waits for enough bytes to tell an HTTP/2 preface from anything else, then hands the socket on. */
function routeByPreface(socket: net.Socket, toGrpc: Route, toHttp: Route): void {
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isPreface = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isPreface && seen.length < H2_PREFACE.length) return;
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    socket.unshift(seen);
    (isPreface ? toGrpc : toHttp)(socket);
  };
  const onEnd = () => socket.destroy();
  socket.on('data', onData);
  socket.on('end', onEnd);
}

/** Over TLS the client's ALPN choice decides; without ALPN only HTTP/1.1 is possible. */
function routeTls(socket: tls.TLSSocket, toGrpc: Route, toHttp: Route): void {
  if (socket.alpnProtocol === 'h2') toGrpc(socket);
  else toHttp(socket);
}

interface BindTarget {
  server: net.Server;
  listenArgs: net.ListenOptions;
}

/** Fixed options, or options re-read for each new connection (see clientTlsSource). */
export type ClientTlsSource = tls.TlsOptions | Reloading<tls.TlsOptions>;

/** A further check of a verified client certificate (e.g. --client-cert-allowed-hostname); a reason refuses it. */
export type ClientCertCheck = (cert: tls.PeerCertificate) => string | undefined;

function bindTarget(url: string, onSocket: (s: net.Socket) => void, tlsOptions?: ClientTlsSource, checkClient?: ClientCertCheck): BindTarget {
  const scheme = schemeOf(url);
  const secure = scheme === 'https' || scheme === 'unixs';
  const authority = url.slice(url.indexOf('//') + 2);
  let server: net.Server;
  if (secure) {
    if (!tlsOptions) throw new Error(`${url} needs TLS but no certificate is configured`);
    const context = typeof tlsOptions === 'function' ? tlsOptions : () => tlsOptions;
    server = createReloadingTlsServer({ context, fixed: { ALPNProtocols: ['h2', 'http/1.1'] }, checkClient }, onSocket);
  } else {
    server = net.createServer(onSocket);
  }
  if (scheme === 'unix' || scheme === 'unixs') {
    // etcd uses the URL's "host:port" text as the socket's file name.
    return { server, listenArgs: { path: authority } };
  }
  const { host, port } = splitHostPort(authority);
  return { server, listenArgs: { host: host === '' ? undefined : host, port: port === '' ? 0 : Number(port) } };
}

function listen(target: BindTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    target.server.once('error', onError);
    target.server.listen(target.listenArgs, () => {
      target.server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Listens on every client URL (http, https, unix, unixs). `tlsOptions` is required for https/unixs
 * URLs; when it is a function, each new connection uses what it returns then (certificate reload). The Fastify instance must come from buildHttpApp (its server never listens itself); it is
 * made ready here. The caller keeps ownership of grpcServer and fastify and closes them itself.
 */
export async function listenClientUrls(
  urls: string[],
  grpcServer: grpc.Server,
  fastify: FastifyInstance,
  tlsOptions?: ClientTlsSource,
  certificateNames?: CertificateNames,
  checkClient?: ClientCertCheck,
): Promise<ClientListeners> {
  await fastify.ready();
  const httpServer = fastify.server;
  const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const sockets = new Set<net.Socket>();
  // Through the :authority shim: etcd's Go clients send a URL there, which Node's HTTP/2 core would refuse.
  const toGrpc: Route = (s) => handOverRepairingAuthority(s, (connection) => injector.injectConnection(connection));
  const toHttp: Route = (s) => {
    httpServer.emit('connection', s);
    // Node's HTTP server does not resume a paused socket (HTTP/2 reads the unshifted bytes itself).
    s.resume();
  };

  const onSocket = (socket: net.Socket) => {
    sockets.add(socket);
    // Requests and responses are small and latency-bound: never let Nagle hold them back (HTTP/2 sessions made on
    // our wrapped streams cannot set this themselves).
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket));
    // Until a protocol owns the socket, nobody else would handle its errors.
    socket.on('error', () => socket.destroy());
    if (socket instanceof tls.TLSSocket) {
      if (certificateNames) certificateNames.remember(socket);
      routeTls(socket, toGrpc, toHttp);
    } else {
      routeByPreface(socket, toGrpc, toHttp);
    }
  };

  const targets: BindTarget[] = [];
  const addresses: ClientAddress[] = [];
  try {
    for (const url of urls) {
      const target = bindTarget(url, onSocket, tlsOptions, checkClient);
      if (target.listenArgs.path !== undefined) removeStaleSocket(target.listenArgs.path);
      await listen(target);
      targets.push(target);
      const bound = target.server.address();
      addresses.push({ url, port: typeof bound === 'object' && bound !== null ? bound.port : 0 });
    }
  } catch (err) {
    await Promise.all(targets.map((t) => closeServer(t.server)));
    injector.destroy();
    throw err;
  }

  return {
    addresses,
    async close() {
      const closed = Promise.all(targets.map((t) => closeServer(t.server)));
      for (const s of sockets) s.destroy();
      injector.destroy();
      await closed;
    },
  };
}

/** A unix socket file left by a previous run would make listen() fail with EADDRINUSE. */
function removeStaleSocket(path: string): void {
  try {
    if (fs.statSync(path).isSocket()) fs.unlinkSync(path);
  } catch {
    // nothing there
  }
}
