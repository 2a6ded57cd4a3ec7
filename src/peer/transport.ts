// Raft's network: sends each member's messages to its peers over gRPC on the peer URLs and serves
// the peers' messages to this member. Sending never blocks; what cannot go out is dropped and
// reported, and Raft retransmits.
import type net from 'node:net';
import type tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { PeerService } from '../gen/tetcdpb/raft';
import { MessageType, type Message } from '../raft/types';
import type { RaftTransport } from '../server/raft-node';
import { createReloadingTlsServer } from '../tls/server';
import {
  currentPeerTls,
  formatPeerUrl,
  grpcTarget,
  parsePeerUrl,
  peerCertProblem,
  SERVER_OPTIONS,
  type PeerEndpoint,
  type PeerTls,
  type PeerTlsSource,
} from './endpoints';
import { formatId } from './identity';
import { Inbound, type LeaderCalls, type MemberInfo } from './inbound';
import { PeerLink } from './link';

export interface PeerTransportOptions {
  memberId: bigint;
  clusterId: bigint;
  logger: Logger;
  /** Each message from a peer, in the order the peer sent them. */
  onMessage: (m: Message) => void;
  /** Messages to `id` were lost; called at most once per peer per event-loop turn. */
  onUnreachable: (id: bigint) => void;
  onSnapshotStatus: (id: bigint, ok: boolean) => void;
  /**
   * The application's state to ship with a MsgSnap, read when the snapshot is actually sent (Raft's own snapshots
   * carry no data, as etcd sends its current backend rather than a copy kept for the purpose).
   */
  snapshotData?: (m: Message) => Promise<Uint8Array>;
  /** A peer refused this member as removed from the cluster (it may have missed its own removal entry). */
  onRemoved?: () => void;
  /** Who may call us; defaults to the members added with addPeer. */
  isKnownPeer?: (id: bigint) => boolean;
  /** Certificates for dialling https peer URLs; a function is asked again before each new connection. */
  tls?: PeerTlsSource;
  /** Serves LeaseRenew from other members (the leader's job). */
  onLeaseRenew?: (id: bigint) => Promise<bigint>;
  leaderCalls?: LeaderCalls;
  /** Answers MemberInfo; an empty name and no client URLs when absent. */
  memberInfo?: () => MemberInfo;
}

export interface PeerAddress {
  /** The listen URL with the port actually bound. */
  url: string;
  port: number;
}

export interface TransportStats {
  sentBatches: number;
  sentMessages: number;
  droppedMessages: number;
  receivedBatches: number;
  receivedMessages: number;
}

export type LinkFilter = (from: bigint, to: bigint) => boolean;

export class PeerTransport implements RaftTransport {
  private readonly opts: PeerTransportOptions;
  private readonly memberId: bigint;
  private readonly logger: Logger;
  private readonly links = new Map<bigint, PeerLink>();
  private readonly removed = new Set<bigint>();
  private readonly inbound: Inbound;
  private server: grpc.Server | undefined;
  /** https peer URLs are served by our own TLS listeners, so certificates can be reloaded and CNs checked. */
  private readonly tlsListeners: net.Server[] = [];
  private readonly tlsSockets = new Set<tls.TLSSocket>();
  private injector: grpc.ConnectionInjector | undefined;
  private linkFilter: LinkFilter = () => true;
  private readonly counters: TransportStats = {
    sentBatches: 0,
    sentMessages: 0,
    droppedMessages: 0,
    receivedBatches: 0,
    receivedMessages: 0,
  };

  // Work for the end of the current event-loop turn: one batch per peer, then the reports.
  private turnEnd: NodeJS.Immediate | undefined;
  private readonly dirty = new Set<PeerLink>();
  private readonly unreachable = new Set<bigint>();
  private readonly failedSnapshots = new Set<bigint>();
  private closed = false;

  constructor(opts: PeerTransportOptions) {
    this.opts = opts;
    this.memberId = opts.memberId;
    this.logger = opts.logger.child({ component: 'peer-transport' });
    const isKnownPeer = opts.isKnownPeer ?? ((id: bigint) => this.links.has(id));
    this.inbound = new Inbound({
      local: {
        memberId: opts.memberId,
        clusterId: opts.clusterId,
        isKnownPeer: (id) => id !== opts.memberId && isKnownPeer(id),
        isRemoved: (id) => this.removed.has(id),
      },
      logger: this.logger,
      stats: this.counters,
      linkAllows: (from) => this.linkFilter(from, this.memberId),
      deliver: (m) => this.opts.onMessage(m),
      onLeaseRenew: opts.onLeaseRenew,
      leaderCalls: opts.leaderCalls,
      memberInfo: opts.memberInfo,
    });
  }

  /**
   * Serves the peer protocol on `urls` (http or https; port 0 picks a free port). For https, `tls` is required; when
   * it is a function, each new connection uses what it returns then.
   */
  async listen(urls: string[], tls?: PeerTlsSource): Promise<PeerAddress[]> {
    if (this.closed) throw new Error('peer transport is closed');
    if (this.server !== undefined) throw new Error('peer transport is already listening');
    const server = new grpc.Server(SERVER_OPTIONS);
    server.addService(PeerService, this.inbound.service());
    this.server = server;
    const addresses: PeerAddress[] = [];
    for (const url of urls) {
      const ep = parsePeerUrl(url);
      const port = ep.secure ? await this.listenTls(ep, tls) : await this.bindInsecure(server, ep);
      const bound = { ...ep, port };
      addresses.push({ url: formatPeerUrl(bound), port });
      this.logger.info({ url: formatPeerUrl(bound) }, 'serving peer traffic');
    }
    return addresses;
  }

  private bindInsecure(server: grpc.Server, ep: PeerEndpoint): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      server.bindAsync(grpcTarget(ep), grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  }

  private async listenTls(ep: PeerEndpoint, source: PeerTlsSource | undefined): Promise<number> {
    const first = currentPeerTls(source);
    if (first === undefined) throw new Error(`peer URL ${formatPeerUrl(ep)} needs TLS but no certificate is configured`);
    this.injector ??= this.server!.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const injector = this.injector;
    // One options object per PeerTls, so the listener sees a change only when the certificates changed.
    const contexts = new WeakMap<PeerTls, tls.TlsOptions>();
    const context = (): tls.TlsOptions => {
      const t = currentPeerTls(source) ?? first;
      let options = contexts.get(t);
      if (options === undefined) {
        options = { cert: t.cert, key: t.key, ca: t.ca, crl: t.crl, ciphers: t.ciphers, minVersion: t.minVersion };
        contexts.set(t, options);
      }
      return options;
    };
    const verify = first.clientCertAuth ?? false;
    const listener = createReloadingTlsServer(
      {
        context,
        fixed: { ALPNProtocols: ['h2'], requestCert: verify, rejectUnauthorized: verify },
        checkClient: verify ? (cert) => peerCertProblem(currentPeerTls(source) ?? first, cert) : undefined,
        onRefused: (reason, socket) => this.logger.warn({ remote: socket.remoteAddress, reason }, 'rejected peer connection'),
      },
      (socket) => {
        this.tlsSockets.add(socket);
        socket.once('close', () => this.tlsSockets.delete(socket));
        injector.injectConnection(socket);
      },
    );
    listener.on('tlsClientError', (err) => this.logger.warn({ err: err.message }, 'peer TLS handshake failed'));
    this.tlsListeners.push(listener);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      // URLs keep IPv6 literals in brackets; listen() wants the bare address.
      listener.listen({ host: ep.hostname.replace(/^\[(.*)\]$/, '$1'), port: ep.port }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    return (listener.address() as net.AddressInfo).port;
  }

  addPeer(id: bigint, urls: string[]): void {
    if (this.closed || id === this.memberId || this.links.has(id)) return;
    this.removed.delete(id);
    this.links.set(id, new PeerLink({
      localId: this.memberId,
      clusterId: this.opts.clusterId,
      peerId: id,
      urls,
      tls: this.opts.tls,
      logger: this.logger,
      stats: this.counters,
      onStreamLost: () => this.markUnreachable(id),
      onSnapshotDone: (ok) => this.opts.onSnapshotStatus(id, ok),
      onRemoved: this.opts.onRemoved,
    }));
  }

  /** When the stream to peer `id` became active (ms since the epoch), or undefined while it is down. */
  activeSince(id: bigint): number | undefined {
    return this.links.get(id)?.activeSince;
  }

  updatePeer(id: bigint, urls: string[]): void {
    this.links.get(id)?.updateUrls(urls);
  }

  /** Forgets `id` and refuses its calls from now on. */
  removePeer(id: bigint): void {
    const link = this.links.get(id);
    if (link === undefined) return;
    link.close();
    this.links.delete(id);
    this.dirty.delete(link);
    this.removed.add(id);
    this.inbound.disconnect(id, `member ${formatId(id)} was removed from the cluster`);
  }

  setLinkFilter(filter: LinkFilter): void {
    this.linkFilter = filter;
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  send(messages: Message[]): void {
    if (this.closed) return;
    for (const m of messages) {
      const link = this.links.get(m.to);
      if (link === undefined || !this.linkFilter(this.memberId, m.to)) {
        this.counters.droppedMessages++;
        if (m.type === MessageType.Snap) this.failSnapshot(m.to);
        continue;
      }
      if (m.type === MessageType.Snap) {
        this.sendSnapshot(link, m);
      } else if (link.enqueue(m)) {
        this.dirty.add(link);
        this.scheduleTurnEnd();
      } else {
        this.markUnreachable(m.to);
      }
    }
  }

  /** Stops serving and sending; resolves once the listeners and peer connections are closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.turnEnd !== undefined) clearImmediate(this.turnEnd);
    this.turnEnd = undefined;
    for (const link of this.links.values()) link.close();
    this.links.clear();
    this.inbound.close();
    const listenersClosed = Promise.all(
      this.tlsListeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))),
    );
    for (const socket of this.tlsSockets) socket.destroy();
    this.injector?.destroy();
    await listenersClosed;
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.tryShutdown(() => resolve());
      server.forceShutdown();
    });
  }

  private markUnreachable(id: bigint): void {
    this.unreachable.add(id);
    this.scheduleTurnEnd();
  }

  private sendSnapshot(link: PeerLink, m: Message): void {
    const source = this.opts.snapshotData;
    if (!source || !m.snapshot) {
      link.sendSnapshot(m);
      return;
    }
    source(m).then(
      (data) => link.sendSnapshot({ ...m, snapshot: { metadata: m.snapshot!.metadata, data } }),
      (err) => {
        this.opts.logger.warn({ err, to: m.to.toString(16) }, 'could not read the snapshot to send');
        this.failSnapshot(m.to);
      },
    );
  }

  private failSnapshot(id: bigint): void {
    this.failedSnapshots.add(id);
    this.scheduleTurnEnd();
  }

  private scheduleTurnEnd(): void {
    if (this.turnEnd !== undefined || this.closed) return;
    this.turnEnd = setImmediate(() => this.endTurn());
  }

  // Reports are deferred to here too, so Raft never hears of them while it is inside a Ready.
  private endTurn(): void {
    this.turnEnd = undefined;
    for (const link of this.dirty) link.flush();
    this.dirty.clear();
    const unreachable = [...this.unreachable];
    this.unreachable.clear();
    const failedSnapshots = [...this.failedSnapshots];
    this.failedSnapshots.clear();
    for (const id of unreachable) this.opts.onUnreachable(id);
    for (const id of failedSnapshots) this.opts.onSnapshotStatus(id, false);
  }
}
