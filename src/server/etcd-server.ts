// One member's core: the service layer (api.ts) on top of Raft, the MVCC store, leases and watches.
// Writes become Raft proposals and are answered once their entry is applied here; linearizable reads wait
// for a ReadIndex round; serializable reads are served from local state at once.
import type { Logger } from 'pino';
import type {
  AlarmRequest,
  AlarmResponse,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  HashResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberAddRequest,
  MemberAddResponse,
  MemberListResponse,
  MemberPromoteResponse,
  MemberRemoveResponse,
  MemberUpdateRequest,
  MemberUpdateResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchResponse,
} from '../gen/etcdserverpb/rpc';
import { AlarmRequest_AlarmAction, AlarmType } from '../gen/etcdserverpb/rpc';
import { InternalRequest } from '../gen/tetcdpb/internal';
import type { Lessor } from '../lease/lessor';
import { LeaseIdGenerator } from '../lease/lease-id';
import type { MvccStore } from '../mvcc/store';
import type { WatchableStore } from '../mvcc/watchable-store';
import { WatchStream } from '../mvcc/watch-stream';
import { applyRange, applyTxn, hasWrites } from '../mvcc/kv-ops';
import { checkDeleteRequest, checkPutRequest, checkRangeRequest, checkTxnRequest } from '../mvcc/validate';
import { ETCD_VERSION } from '../config/help';
import type { ServiceApi, WatchStreamApi } from './api';
import { EtcdError } from './errors';
import type { Membership } from './membership';
import type { ClusterManager } from './cluster-manager';
import type { PeerClient } from '../peer';
import type { ProposalRegistry } from './proposals';
import type { LinearizableReads } from './read-index';
import type { RaftNode } from './raft-node';
import type { Alarms } from './alarms';

export const CLUSTER_VERSION = '3.4.0';

export interface EtcdServerParts {
  name: string;
  memberId: bigint;
  membership: Membership;
  cluster: ClusterManager;
  raft: RaftNode;
  mvcc: MvccStore;
  watchable: WatchableStore;
  lessor: Lessor;
  alarms: Alarms;
  proposals: ProposalRegistry<InternalRequest>;
  reads: LinearizableReads;
  logger: Logger;
  maxRequestBytes: number;
  maxTxnOps: number;
  quotaBackendBytes: number;
  electionTimeoutMs: number;
  /** Writes everything applied so far to the store's files. */
  flushStore: () => Promise<void>;
  /** A client for the leader's peer URL, to forward what only the leader can answer. */
  leaderPeer: (leaderId: bigint) => PeerClient | undefined;
}

export class EtcdServer implements ServiceApi {
  readonly name: string;
  readonly memberId: bigint;
  private readonly p: EtcdServerParts;
  private readonly leaseIds: LeaseIdGenerator;

  constructor(parts: EtcdServerParts) {
    this.p = parts;
    this.leaseIds = new LeaseIdGenerator(parts.memberId, Date.now());
    this.name = parts.name;
    this.memberId = parts.memberId;
  }

  get clusterId(): bigint {
    return this.p.membership.clusterId;
  }

  header(revision: number = this.p.mvcc.currentRevision): ResponseHeader {
    return {
      clusterId: this.p.membership.clusterId,
      memberId: this.memberId,
      revision: BigInt(revision),
      raftTerm: BigInt(this.p.raft.term),
    };
  }

  leader(): bigint {
    return this.p.raft.leader;
  }

  raftIndex(): number {
    return this.p.raft.commitIndex;
  }

  raftTerm(): number {
    return this.p.raft.term;
  }

  appliedIndex(): number {
    return this.p.raft.applied;
  }

  async health(): Promise<{ ok: boolean; reason?: string }> {
    if (this.leader() === 0n) return { ok: false, reason: 'RAFT NO LEADER' };
    const raised = this.p.alarms.list();
    if (raised.length > 0) return { ok: false, reason: `ALARM ${AlarmType[raised[0].alarm]}` };
    return { ok: true };
  }

  // ---- KV ----

  async range(req: RangeRequest): Promise<RangeResponse> {
    checkRangeRequest(req);
    if (!req.serializable) await this.p.reads.wait();
    const res = await applyRange(this.p.mvcc, req);
    res.header = this.header(Number(res.header!.revision));
    return res;
  }

  async put(req: PutRequest): Promise<PutResponse> {
    checkPutRequest(req);
    return this.proposeWrite({ put: req });
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    checkDeleteRequest(req);
    return this.proposeWrite({ deleteRange: req });
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    checkTxnRequest(req, this.p.maxTxnOps);
    if (!hasWrites(req)) {
      await this.p.reads.wait();
      // A read-only txn never writes, so applying it locally after the read barrier is linearizable.
      const res = await applyTxn(this.p.mvcc, req, (id) => this.p.lessor.has(id));
      res.header = this.header(Number(res.header!.revision));
      return res;
    }
    return this.proposeWrite({ txn: req });
  }

  async compact(req: CompactionRequest): Promise<CompactionResponse> {
    const result = await this.propose<{ res: CompactionResponse; done: Promise<void> }>({ compaction: req });
    if (req.physical) await result.done;
    return result.res;
  }

  // ---- Lease ----

  async leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    const id = req.ID === 0n ? this.leaseIds.next() : req.ID;
    return this.proposeWrite({ leaseGrant: { ID: id, TTL: req.TTL } });
  }

  async leaseRevoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse> {
    return this.propose({ leaseRevoke: req });
  }

  async leaseRenew(id: bigint): Promise<bigint> {
    const leader = this.leader();
    if (leader === 0n) throw new EtcdError('noLeader');
    if (!this.p.raft.isLeader) {
      // Only the leader tracks expiry: forward the keep-alive to it, as etcd does.
      const peer = this.p.leaderPeer(leader);
      if (!peer) throw new EtcdError('noLeader');
      return peer.leaseRenew(id);
    }
    // Wait until this leader has applied everything it committed, so a just-granted lease is known.
    await this.p.reads.wait();
    return BigInt(await this.p.lessor.renew(id));
  }

  async leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    await this.p.reads.wait();
    if (!this.p.lessor.has(req.ID)) {
      // etcd answers an unknown lease with TTL -1 rather than an error ("lease ... already expired").
      return { header: this.header(), ID: req.ID, TTL: -1n, grantedTTL: 0n, keys: [] };
    }
    const st = this.p.lessor.timeToLive(req.ID);
    return {
      header: this.header(),
      ID: req.ID,
      TTL: BigInt(st.remainingTtl),
      grantedTTL: BigInt(st.grantedTtl),
      keys: req.keys ? this.p.mvcc.keysWithLease(req.ID) : [],
    };
  }

  async leaseLeases(): Promise<LeaseLeasesResponse> {
    await this.p.reads.wait();
    return { header: this.header(), leases: this.p.lessor.leases().map((ID) => ({ ID })) };
  }

  // ---- Watch ----

  openWatchStream(send: (resp: WatchResponse) => void | Promise<void>): WatchStreamApi {
    const stream = new WatchStream({
      store: this.p.watchable,
      send,
      header: (rev) => this.header(rev),
      maxResponseBytes: this.p.maxRequestBytes + 512 * 1024,
    });
    return stream;
  }

  // ---- Cluster ----

  async memberList(): Promise<MemberListResponse> {
    return { header: this.header(), members: this.p.membership.toProto() };
  }

  memberAdd(req: MemberAddRequest): Promise<MemberAddResponse> {
    return this.p.cluster.memberAdd(req);
  }

  memberRemove(id: bigint): Promise<MemberRemoveResponse> {
    return this.p.cluster.memberRemove(id);
  }

  memberUpdate(req: MemberUpdateRequest): Promise<MemberUpdateResponse> {
    return this.p.cluster.memberUpdate(req);
  }

  memberPromote(id: bigint): Promise<MemberPromoteResponse> {
    return this.p.cluster.memberPromote(id);
  }

  // ---- Maintenance ----

  async status(): Promise<StatusResponse> {
    return {
      header: this.header(),
      version: ETCD_VERSION,
      dbSize: BigInt(this.p.mvcc.dbSize()),
      dbSizeInUse: BigInt(this.p.mvcc.dbSizeInUse()),
      leader: this.leader(),
      raftIndex: BigInt(this.p.raft.commitIndex),
      raftTerm: BigInt(this.p.raft.term),
      raftAppliedIndex: BigInt(this.p.raft.applied),
      errors: this.p.alarms.list().map((a) => `memberID:${a.memberID} alarm:${AlarmType[a.alarm]} `),
      isLearner: this.p.membership.get(this.memberId)?.isLearner ?? false,
    };
  }

  async alarm(req: AlarmRequest): Promise<AlarmResponse> {
    if (req.action === AlarmRequest_AlarmAction.GET) {
      return { header: this.header(), alarms: this.p.alarms.list(req.alarm) };
    }
    return this.propose({ alarm: req });
  }

  async hash(): Promise<HashResponse> {
    return { header: this.header(), hash: await this.p.mvcc.hash() };
  }

  async hashKV(revision: bigint): Promise<HashKVResponse> {
    const rev = revision === 0n ? this.p.mvcc.currentRevision : Number(revision);
    const h = await this.p.mvcc.hashKV(rev);
    return { header: this.header(rev), hash: h.hash, compactRevision: BigInt(h.compactRevision) };
  }

  async defragment(): Promise<void> {
    await this.p.mvcc.defragment();
  }

  async snapshot(): Promise<{ size: number; chunks: Iterable<Buffer> }> {
    // The stream holds what is on disk, so everything applied so far is written first; its size is only known
    // once it has been read, and clients want remaining_bytes from the first chunk on.
    await this.p.flushStore();
    const chunks: Buffer[] = [];
    for await (const chunk of this.p.mvcc.snapshotStream()) chunks.push(chunk as Buffer);
    return { size: chunks.reduce((n, c) => n + c.length, 0), chunks };
  }

  async moveLeader(targetId: bigint): Promise<void> {
    if (!this.p.raft.isLeader) throw new EtcdError('notLeader');
    if (!this.p.membership.get(targetId)) throw new EtcdError('badLeaderTransferee');
    if (targetId === this.memberId) return;
    this.p.raft.raw.transferLeader(targetId);
    this.p.raft.wake();
    const deadline = Date.now() + this.p.electionTimeoutMs * 2;
    while (Date.now() < deadline) {
      if (this.leader() === targetId) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new EtcdError('timeoutDueToLeaderFail');
  }

  // ---- proposing ----

  /** A proposal that writes: refused while the space quota is exhausted, as etcd's capped applier does. */
  private proposeWrite<R>(fields: Partial<InternalRequest>): Promise<R> {
    if (this.p.alarms.hasNoSpace()) return Promise.reject(new EtcdError('noSpace'));
    if (this.p.mvcc.dbSize() > this.p.quotaBackendBytes) {
      this.raiseNoSpace();
      return Promise.reject(new EtcdError('noSpace'));
    }
    return this.propose<R>(fields);
  }

  private raiseNoSpace(): void {
    this.propose({
      alarm: { action: AlarmRequest_AlarmAction.ACTIVATE, memberID: this.memberId, alarm: AlarmType.NOSPACE },
    }).catch((err) => this.p.logger.warn({ err }, 'could not raise the NOSPACE alarm'));
  }

  propose<R>(fields: Partial<InternalRequest>): Promise<R> {
    if (this.leader() === 0n) return Promise.reject(new EtcdError('noLeader'));
    const id = this.p.proposals.nextId();
    const req = { ...fields, id } as InternalRequest;
    const data = InternalRequest.encode(req).finish();
    if (data.length > this.p.maxRequestBytes) return Promise.reject(new EtcdError('requestTooLarge'));
    const done = this.p.proposals.wait<R>(id, req);
    try {
      this.p.raft.raw.propose(data);
    } catch (err) {
      this.p.proposals.reject(id, err);
    }
    this.p.raft.wake();
    return done;
  }
}
