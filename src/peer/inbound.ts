// The receiving side of the peer protocol: accepts streams and snapshots from current members of our
// cluster only, and hands their Raft messages on in the order they were sent.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { MessageBatch, PeerServer, RaftMessage, SnapshotAck, SnapshotChunk, StreamEnd } from '../gen/tetcdpb/raft';
import { MessageType, type Message } from '../raft/types';
import type {
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberPromoteRequest,
  MemberPromoteResponse,
} from '../gen/etcdserverpb/rpc';
import { toServiceError } from '../server/errors';
import { messageFromProto } from './codec';
import { formatId, readIdentity, rejectCaller, type LocalMember } from './identity';

export interface InboundStats {
  receivedBatches: number;
  receivedMessages: number;
}

export interface LeaderCalls {
  memberPromote(req: MemberPromoteRequest): Promise<MemberPromoteResponse>;
  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
}

export interface MemberInfo {
  name: string;
  clientUrls: string[];
  membership?: Buffer;
}

export interface InboundOptions {
  local: LocalMember;
  logger: Logger;
  stats: InboundStats;
  /** The fault-injection filter: whether traffic from `from` reaches this member. */
  linkAllows: (from: bigint) => boolean;
  deliver: (m: Message) => void;
  onLeaseRenew?: (id: bigint) => Promise<bigint>;
  /** Leader-only calls a follower forwards here. */
  leaderCalls?: LeaderCalls;
  memberInfo?: () => MemberInfo;
}

function failure(code: grpc.status, details: string): Partial<grpc.ServiceError> {
  return { code, details, message: details };
}

/** The caller's member ID, or undefined after failing the call because it may not talk to us. */
function admit(opts: InboundOptions, md: grpc.Metadata, fail: (e: Partial<grpc.ServiceError>) => void): bigint | undefined {
  const reason = rejectCaller(opts.local, md);
  if (reason !== undefined) {
    opts.logger.warn({ reason }, 'rejected peer call');
    fail(failure(grpc.status.FAILED_PRECONDITION, reason));
    return undefined;
  }
  return readIdentity(md)?.from;
}

export class Inbound {
  private readonly opts: InboundOptions;
  /** The open message stream of each peer, so a removed member's stream can be cut. */
  private readonly streams = new Map<bigint, (e: Partial<grpc.ServiceError>) => void>();

  constructor(opts: InboundOptions) {
    this.opts = opts;
  }

  /** Ends the message stream from `id`, e.g. because it was removed from the cluster. */
  disconnect(id: bigint, reason: string): void {
    this.streams.get(id)?.(failure(grpc.status.FAILED_PRECONDITION, reason));
  }

  service(): PeerServer {
    return {
      stream: (call, callback) => this.serveStream(call, callback),
      sendSnapshot: (call, callback) => this.serveSnapshot(call, callback),
      leaseRenew: (call, callback) => {
        const from = admit(this.opts, call.metadata, callback);
        if (from === undefined) return;
        const renew = this.opts.onLeaseRenew;
        if (renew === undefined) {
          callback(failure(grpc.status.UNIMPLEMENTED, 'this member does not serve lease renewals'));
          return;
        }
        renew(call.request.id).then(
          (ttl) => callback(null, { ttl }),
          (err: unknown) => callback(toServiceError(err)),
        );
      },
      memberPromote: (call, callback) => this.serveLeaderCall(call, callback, (c) => c.memberPromote(call.request)),
      leaseTimeToLive: (call, callback) => this.serveLeaderCall(call, callback, (c) => c.leaseTimeToLive(call.request)),
      memberInfo: (_call, callback) => {
        const info = this.opts.memberInfo?.() ?? { name: '', clientUrls: [] };
        const { memberId, clusterId } = this.opts.local;
        callback(null, {
          memberId,
          clusterId,
          name: info.name,
          clientUrls: info.clientUrls,
          membership: info.membership ?? Buffer.alloc(0),
        });
      },
    };
  }

  private serveLeaderCall<Res>(
    call: { metadata: grpc.Metadata },
    callback: grpc.sendUnaryData<Res>,
    run: (calls: LeaderCalls) => Promise<Res>,
  ): void {
    if (admit(this.opts, call.metadata, callback) === undefined) return;
    const calls = this.opts.leaderCalls;
    if (calls === undefined) {
      callback(failure(grpc.status.UNIMPLEMENTED, 'this member does not serve forwarded calls'));
      return;
    }
    run(calls).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err)),
    );
  }

  close(): void {
    for (const end of [...this.streams.values()]) end(failure(grpc.status.UNAVAILABLE, 'member is shutting down'));
  }

  private serveStream(
    call: grpc.ServerReadableStream<MessageBatch, StreamEnd>,
    callback: grpc.sendUnaryData<StreamEnd>,
  ): void {
    const from = admit(this.opts, call.metadata, callback);
    if (from === undefined) return;
    let ended = false;
    const end = (err: Partial<grpc.ServiceError> | null): void => {
      if (ended) return;
      ended = true;
      if (this.streams.get(from) === end) this.streams.delete(from);
      callback(err, err ? undefined : {});
    };
    // A peer that reconnects leaves its old stream half-dead behind; only the newest one counts.
    this.streams.get(from)?.(failure(grpc.status.CANCELLED, 'superseded by a newer stream from the same member'));
    this.streams.set(from, end);
    call.sendMetadata(new grpc.Metadata());
    this.opts.logger.debug({ peer: formatId(from) }, 'accepted peer stream');

    call.on('data', (batch: MessageBatch) => {
      if (ended) return;
      this.opts.stats.receivedBatches++;
      this.opts.stats.receivedMessages += batch.messages.length;
      if (!this.opts.linkAllows(from)) return;
      for (const p of batch.messages) this.deliver(p);
    });
    call.on('end', () => end(null));
    call.on('cancelled', () => end(failure(grpc.status.CANCELLED, 'cancelled by the sender')));
    call.on('error', () => end(failure(grpc.status.CANCELLED, 'stream failed')));
  }

  private serveSnapshot(
    call: grpc.ServerReadableStream<SnapshotChunk, SnapshotAck>,
    callback: grpc.sendUnaryData<SnapshotAck>,
  ): void {
    const from = admit(this.opts, call.metadata, callback);
    if (from === undefined) return;
    let header: RaftMessage | undefined;
    let expected = 0;
    let received = 0;
    const chunks: Buffer[] = [];
    let ended = false;
    const fail = (code: grpc.status, details: string): void => {
      if (ended) return;
      ended = true;
      this.opts.logger.warn({ peer: formatId(from), reason: details }, 'failed to receive snapshot');
      callback(failure(code, details));
    };

    call.on('data', (chunk: SnapshotChunk) => {
      if (ended) return;
      if (header === undefined) {
        const m = chunk.message;
        if (m === undefined || m.type !== MessageType.Snap || m.snapshot === undefined) {
          fail(grpc.status.INVALID_ARGUMENT, 'the first snapshot chunk must carry a MsgSnap');
          return;
        }
        header = m;
        expected = Number(chunk.dataSize);
        return;
      }
      received += chunk.data.length;
      if (received > expected) {
        fail(grpc.status.INVALID_ARGUMENT, `snapshot data exceeds the announced ${expected} bytes`);
        return;
      }
      chunks.push(chunk.data);
    });
    call.on('end', () => {
      if (ended) return;
      if (header === undefined) return fail(grpc.status.INVALID_ARGUMENT, 'empty snapshot stream');
      if (received !== expected) {
        return fail(grpc.status.INVALID_ARGUMENT, `snapshot truncated: ${received} of ${expected} bytes`);
      }
      if (!this.opts.linkAllows(from)) return fail(grpc.status.UNAVAILABLE, 'link is down (fault injection)');
      const m = messageFromProto(header, Buffer.concat(chunks, received));
      try {
        this.opts.deliver(m);
      } catch (err) {
        this.opts.logger.error({ err }, 'failed to hand a snapshot to raft');
        return fail(grpc.status.INTERNAL, 'the receiver failed to take the snapshot');
      }
      ended = true;
      this.opts.logger.info({ peer: formatId(from), index: m.snapshot?.metadata.index, bytes: received }, 'received snapshot');
      callback(null, {});
    });
    call.on('cancelled', () => fail(grpc.status.CANCELLED, 'cancelled by the sender'));
    call.on('error', () => fail(grpc.status.CANCELLED, 'stream failed'));
  }

  private deliver(p: RaftMessage): void {
    try {
      this.opts.deliver(messageFromProto(p));
    } catch (err) {
      // A message Raft chokes on is a bug on one side, but must not take the stream down with it.
      this.opts.logger.error({ err, type: p.type }, 'failed to hand a peer message to raft');
    }
  }
}
