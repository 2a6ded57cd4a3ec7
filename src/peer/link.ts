// Everything one member sends one peer: a long-lived message stream, re-dialled with backoff while
// the peer is away, and one SendSnapshot call per MsgSnap.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { PeerClient as PeerGrpcClient, type MessageBatch, type SnapshotChunk } from '../gen/tetcdpb/raft';
import type { Message } from '../raft/types';
import { messageToProto } from './codec';
import {
  CHANNEL_OPTIONS,
  channelCredentials,
  currentPeerTls,
  grpcTarget,
  parsePeerUrl,
  type PeerTls,
  type PeerTlsSource,
} from './endpoints';
import { formatId, identityMetadata } from './identity';

/** Messages waiting for the stream beyond this are dropped (etcd's stream buffer holds as many). */
const MAX_PENDING_MESSAGES = 4096;
const SNAPSHOT_CHUNK_BYTES = 64 * 1024;
const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1000;

export interface LinkStats {
  sentBatches: number;
  sentMessages: number;
  droppedMessages: number;
}

export interface LinkOptions {
  localId: bigint;
  clusterId: bigint;
  peerId: bigint;
  urls: string[];
  tls: PeerTlsSource | undefined;
  logger: Logger;
  stats: LinkStats;
  /** The stream broke: Raft should stop assuming messages get through. */
  onStreamLost: () => void;
  onSnapshotDone: (ok: boolean) => void;
  /** The peer refused us because we were removed from the cluster. */
  onRemoved?: () => void;
}

type StreamState = 'connecting' | 'active' | 'down';

/** Fails early, in addPeer/updatePeer, rather than on every reconnection attempt. */
function checkUrls(peerId: bigint, urls: string[]): void {
  if (urls.length === 0) throw new Error(`member ${formatId(peerId)} has no peer URLs`);
  for (const url of urls) parsePeerUrl(url);
}

export class PeerLink {
  private activeSinceMs = 0;
  readonly peerId: bigint;
  private readonly opts: LinkOptions;
  private readonly logger: Logger;
  private urls: string[];
  private urlIndex = 0;
  private client: PeerGrpcClient | undefined;
  /** The certificates `client` was made with. */
  private clientTls: PeerTls | undefined;
  private call: grpc.ClientWritableStream<MessageBatch> | undefined;
  private state: StreamState = 'down';
  /** The stream's buffer is full: hold messages until it drains. */
  private blocked = false;
  private pending: Message[] = [];
  private backoffMs = MIN_BACKOFF_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Logged once per distinct failure so a peer that stays away does not flood the log. */
  private lastFailure = '';
  private readonly snapshots = new Set<grpc.ClientWritableStream<SnapshotChunk>>();
  private closed = false;

  constructor(opts: LinkOptions) {
    checkUrls(opts.peerId, opts.urls);
    this.opts = opts;
    this.peerId = opts.peerId;
    this.urls = opts.urls;
    this.logger = opts.logger.child({ peer: formatId(opts.peerId) });
    this.connect();
  }

  /** Queues `m` for the next flush; false when it had to be dropped. */
  enqueue(m: Message): boolean {
    if (this.state === 'down' || this.pending.length >= MAX_PENDING_MESSAGES) {
      this.opts.stats.droppedMessages++;
      return false;
    }
    this.pending.push(m);
    return true;
  }

  /** Writes everything queued as one batch, unless the stream is full or gone. */
  flush(): void {
    const call = this.call;
    if (call === undefined || this.blocked || this.pending.length === 0) return;
    const batch: MessageBatch = { messages: this.pending.map(messageToProto) };
    this.opts.stats.sentBatches++;
    this.opts.stats.sentMessages += this.pending.length;
    this.pending = [];
    if (!call.write(batch)) {
      this.blocked = true;
      call.once('drain', () => {
        if (this.call !== call) return;
        this.blocked = false;
        this.flush();
      });
    }
  }

  updateUrls(urls: string[]): void {
    checkUrls(this.peerId, urls);
    this.urls = urls;
    this.urlIndex = 0;
    this.cancelRetry();
    this.endStream();
    this.dropClient();
    this.backoffMs = MIN_BACKOFF_MS;
    this.connect();
  }

  /** Streams `m`'s snapshot data after the message itself; reports the outcome through onSnapshotDone. */
  sendSnapshot(m: Message): void {
    const data = m.snapshot?.data ?? new Uint8Array(0);
    let finished = false;
    const call = this.getClient().sendSnapshot(this.metadata(), (err) => {
      finished = true;
      this.snapshots.delete(call);
      if (this.closed) return;
      if (err) {
        this.logger.warn({ err: err.details, index: m.snapshot?.metadata.index }, 'failed to send snapshot');
      } else {
        this.logger.info({ index: m.snapshot?.metadata.index, bytes: data.byteLength }, 'sent snapshot');
      }
      this.opts.onSnapshotDone(!err);
    });
    this.snapshots.add(call);
    call.write({ message: messageToProto(m), dataSize: BigInt(data.byteLength), data: Buffer.alloc(0) });
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let offset = 0;
    const pump = (): void => {
      while (!finished && offset < bytes.length) {
        const chunk = bytes.subarray(offset, offset + SNAPSHOT_CHUNK_BYTES);
        offset += chunk.length;
        if (!call.write({ dataSize: 0n, data: chunk })) {
          call.once('drain', pump);
          return;
        }
      }
      if (!finished) call.end();
    };
    pump();
  }

  close(): void {
    this.closed = true;
    this.cancelRetry();
    this.endStream();
    for (const call of this.snapshots) call.cancel();
    this.snapshots.clear();
    this.dropClient();
  }

  private metadata(): grpc.Metadata {
    return identityMetadata({ clusterId: this.opts.clusterId, from: this.opts.localId, to: this.peerId });
  }

  /** The channel to the current URL; remade when the certificates on disk changed since it was made. */
  private getClient(): PeerGrpcClient {
    const tls = currentPeerTls(this.opts.tls);
    if (this.client !== undefined && tls !== this.clientTls) this.dropClient();
    if (this.client === undefined) {
      const ep = parsePeerUrl(this.urls[this.urlIndex]);
      this.client = new PeerGrpcClient(grpcTarget(ep), channelCredentials(ep, tls), CHANNEL_OPTIONS);
      this.clientTls = tls;
    }
    return this.client;
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private dropClient(): void {
    this.client?.close();
    this.client = undefined;
  }

  private connect(): void {
    this.retryTimer = undefined;
    const call = this.getClient().stream(this.metadata(), (err) => this.onStreamEnd(call, err));
    // The peer sends its headers once it has accepted us; until then writes wait in grpc's buffer.
    call.on('metadata', () => {
      if (this.call !== call) return;
      this.state = 'active';
      this.activeSinceMs = Date.now();
      this.backoffMs = MIN_BACKOFF_MS;
      this.lastFailure = '';
      this.logger.info({ url: this.urls[this.urlIndex] }, 'peer stream established');
    });
    this.call = call;
    this.state = 'connecting';
    this.blocked = false;
    this.flush();
  }

  /** When the stream to this peer last became active; undefined while it is down. */
  get activeSince(): number | undefined {
    return this.state === 'active' ? this.activeSinceMs : undefined;
  }

  private endStream(): void {
    const call = this.call;
    this.call = undefined;
    this.state = 'down';
    this.pending = [];
    call?.cancel();
  }

  private onStreamEnd(call: grpc.ClientWritableStream<MessageBatch>, err: grpc.ServiceError | null): void {
    if (this.closed || this.call !== call) return;
    const wasActive = this.state === 'active';
    this.opts.stats.droppedMessages += this.pending.length;
    this.endStream();
    const failure = err ? `${grpc.status[err.code]}: ${err.details}` : 'closed by peer';
    if (err?.code === grpc.status.FAILED_PRECONDITION && /was removed from cluster/.test(err.details)) {
      this.opts.onRemoved?.();
    }
    if (wasActive || failure !== this.lastFailure) {
      this.logger.warn({ url: this.urls[this.urlIndex], reason: failure }, 'peer stream lost');
    }
    this.lastFailure = failure;
    if (!wasActive && this.urls.length > 1) {
      // That URL did not work: try the member's next one.
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      this.dropClient();
    }
    this.opts.onStreamLost();
    this.retryTimer = setTimeout(() => this.connect(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }
}
