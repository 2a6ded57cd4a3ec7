// Unary calls from this member to another one for needs outside Raft, e.g. forwarding a lease
// keep-alive to the leader or checking who answers on a peer URL before joining.
import * as grpc from '@grpc/grpc-js';
import type {
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberPromoteRequest,
  MemberPromoteResponse,
} from '../gen/etcdserverpb/rpc';
import { PeerClient as PeerGrpcClient } from '../gen/tetcdpb/raft';
import {
  CHANNEL_OPTIONS,
  channelCredentials,
  currentPeerTls,
  grpcTarget,
  parsePeerUrl,
  type PeerTls,
  type PeerTlsSource,
} from './endpoints';
import { identityMetadata } from './identity';

export interface PeerClientOptions {
  /** One peer URL of the member to call. */
  url: string;
  /** Who is calling: required by LeaseRenew, unused by MemberInfo. */
  memberId: bigint;
  clusterId: bigint;
  /** The member being called; LeaseRenew is refused by any other member. */
  peerId: bigint;
  /** A function is asked again before each call; new certificates mean a new connection. */
  tls?: PeerTlsSource;
  /** Per-call deadline (default 5 s). */
  timeoutMs?: number;
}

export interface RemoteMemberInfo {
  memberId: bigint;
  clusterId: bigint;
  name: string;
  clientUrls: string[];
  membership: Buffer;
}

export class PeerClient {
  private readonly opts: PeerClientOptions;
  private client: PeerGrpcClient | undefined;
  private clientTls: PeerTls | undefined;

  constructor(opts: PeerClientOptions) {
    this.opts = opts;
    // Fails on a bad URL now rather than at the first call.
    parsePeerUrl(opts.url);
  }

  /** Renews lease `id` on the called member; resolves to the remaining TTL in seconds. */
  leaseRenew(id: bigint): Promise<bigint> {
    const md = identityMetadata({ clusterId: this.opts.clusterId, from: this.opts.memberId, to: this.opts.peerId });
    return new Promise((resolve, reject) => {
      this.channel().leaseRenew({ id }, md, this.callOptions(), (err, res) => (err ? reject(err) : resolve(res.ttl)));
    });
  }

  /** Leader-only calls, forwarded to the leader. */
  memberPromote(req: MemberPromoteRequest): Promise<MemberPromoteResponse> {
    const md = identityMetadata({ clusterId: this.opts.clusterId, from: this.opts.memberId, to: this.opts.peerId });
    return new Promise((resolve, reject) => {
      this.channel().memberPromote(req, md, this.callOptions(), (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    const md = identityMetadata({ clusterId: this.opts.clusterId, from: this.opts.memberId, to: this.opts.peerId });
    return new Promise((resolve, reject) => {
      this.channel().leaseTimeToLive(req, md, this.callOptions(), (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  memberInfo(): Promise<RemoteMemberInfo> {
    return new Promise((resolve, reject) => {
      this.channel().memberInfo({}, new grpc.Metadata(), this.callOptions(), (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private channel(): PeerGrpcClient {
    const tls = currentPeerTls(this.opts.tls);
    if (this.client !== undefined && tls !== this.clientTls) this.close();
    if (this.client === undefined) {
      const ep = parsePeerUrl(this.opts.url);
      this.client = new PeerGrpcClient(grpcTarget(ep), channelCredentials(ep, tls), CHANNEL_OPTIONS);
      this.clientTls = tls;
    }
    return this.client;
  }

  private callOptions(): Partial<grpc.CallOptions> {
    return { deadline: Date.now() + (this.opts.timeoutMs ?? 5000) };
  }
}
