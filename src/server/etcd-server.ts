// One member's core: the service layer (api.ts) on top of Raft, the MVCC store, leases and watches.
// Writes become Raft proposals and are answered once their entry is applied here; linearizable reads wait
// for a ReadIndex round; serializable reads are served from local state at once.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  AlarmRequest,
  AlarmResponse,
  AuthDisableResponse,
  AuthEnableResponse,
  AuthenticateRequest,
  AuthenticateResponse,
  AuthRoleAddRequest,
  AuthRoleAddResponse,
  AuthRoleDeleteRequest,
  AuthRoleDeleteResponse,
  AuthRoleGetRequest,
  AuthRoleGetResponse,
  AuthRoleGrantPermissionRequest,
  AuthRoleGrantPermissionResponse,
  AuthRoleListResponse,
  AuthRoleRevokePermissionRequest,
  AuthRoleRevokePermissionResponse,
  AuthUserAddRequest,
  AuthUserAddResponse,
  AuthUserChangePasswordRequest,
  AuthUserChangePasswordResponse,
  AuthUserDeleteRequest,
  AuthUserDeleteResponse,
  AuthUserGetRequest,
  AuthUserGetResponse,
  AuthUserGrantRoleRequest,
  AuthUserGrantRoleResponse,
  AuthUserListResponse,
  AuthUserRevokeRoleRequest,
  AuthUserRevokeRoleResponse,
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
import type { AuthApi, Caller, ServiceApi, WatchStreamApi } from './api';
import type { AuthStore } from '../auth/auth-store';
import { txnPermitted } from '../auth/apply-auth';
import { AuthService, requestHeader } from './auth-api';
import { EtcdError } from './errors';
import { encodeMessage } from './encode-message';
import { encodeWithRaw, rawOf } from './raw-requests';
import type { Membership } from './membership';
import type { ClusterManager } from './cluster-manager';
import type { PeerClient } from '../peer';
import type { ProposalRegistry } from './proposals';
import type { LinearizableReads } from './read-index';
import type { RaftNode } from './raft-node';
import type { Alarms } from './alarms';

export const CLUSTER_VERSION = '3.4.0';

/** InternalRequest's field numbers of the requests proposed from their original bytes (proto/tetcdpb/internal.proto). */
const FIELD_PUT = 11;
const FIELD_DELETE_RANGE = 12;
const FIELD_TXN = 13;

interface RawField {
  field: number;
  bytes: Buffer;
}

function isSerializableTxn(req: TxnRequest): boolean {
  return [...req.success, ...req.failure].every((op) =>
    op.requestRange ? op.requestRange.serializable : op.requestTxn ? isSerializableTxn(op.requestTxn) : true,
  );
}

function withRaw(field: number, req: object): RawField | undefined {
  const bytes = rawOf(req);
  return bytes && { field, bytes };
}

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
  authStore: AuthStore;
  bcryptCost: number;
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

export class EtcdServer implements ServiceApi, AuthApi {
  readonly name: string;
  readonly memberId: bigint;
  private readonly p: EtcdServerParts;
  private readonly leaseIds: LeaseIdGenerator;
  private readonly auth: AuthService;

  constructor(parts: EtcdServerParts) {
    this.p = parts;
    this.auth = new AuthService({
      store: parts.authStore,
      bcryptCost: parts.bcryptCost,
      propose: (fields) => this.propose(fields),
      readBarrier: () => parts.reads.wait(),
      appliedIndex: () => parts.raft.applied,
      header: () => this.header(),
    });
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

  /** etcd's learners answer only Status and serializable Range; everything else is refused. */
  private refuseOnLearner(): void {
    if (this.p.membership.get(this.memberId)?.isLearner) throw new EtcdError('notSupportedForLearner');
  }

  /** Cluster-service responses: etcd fills no revision in their header. */
  clusterHeader(): ResponseHeader {
    return { ...this.header(), revision: 0n };
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

  async range(req: RangeRequest, caller?: Caller): Promise<RangeResponse> {
    checkRangeRequest(req);
    if (!req.serializable) {
      this.refuseOnLearner();
      await this.p.reads.wait();
    }
    const check = (who: Caller): void => this.p.authStore.isRangePermitted(who, req.key, req.rangeEnd);
    const res = await this.auth.serialized(caller, check, async () => applyRange(this.p.mvcc, req));
    res.header = this.header(Number(res.header!.revision));
    return res;
  }

  // Writes are checked where they are applied, against the auth state of that moment, as etcd does.

  async put(req: PutRequest, caller?: Caller): Promise<PutResponse> {
    this.refuseOnLearner();
    checkPutRequest(req);
    return this.proposeWrite({ put: req, header: requestHeader(caller) }, withRaw(FIELD_PUT, req));
  }

  async deleteRange(req: DeleteRangeRequest, caller?: Caller): Promise<DeleteRangeResponse> {
    this.refuseOnLearner();
    checkDeleteRequest(req);
    return this.proposeWrite({ deleteRange: req, header: requestHeader(caller) }, withRaw(FIELD_DELETE_RANGE, req));
  }

  async txn(req: TxnRequest, caller?: Caller): Promise<TxnResponse> {
    this.refuseOnLearner();
    checkTxnRequest(req, this.p.maxTxnOps);
    if (!hasWrites(req)) {
      // As etcd: a txn whose every range is serializable reads local state without a ReadIndex round.
      if (!isSerializableTxn(req)) await this.p.reads.wait();
      // A read-only txn never writes, so applying it locally after the read barrier is linearizable.
      const check = (who: Caller): void => txnPermitted(this.p.authStore, who, req);
      const res = await this.auth.serialized(caller, check, async () =>
        applyTxn(this.p.mvcc, req, (id) => this.p.lessor.has(id)),
      );
      res.header = this.header(Number(res.header!.revision));
      return res;
    }
    return this.proposeWrite({ txn: req, header: requestHeader(caller) }, withRaw(FIELD_TXN, req));
  }

  async compact(req: CompactionRequest, caller?: Caller): Promise<CompactionResponse> {
    this.refuseOnLearner();
    // etcd 3.4 lets any authenticated user compact; the header is recorded all the same.
    const result = await this.propose<{ res: CompactionResponse; done: Promise<void> }>({
      compaction: req,
      header: requestHeader(caller),
    });
    if (req.physical) await result.done;
    return result.res;
  }

  // ---- Lease ----

  async leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    this.refuseOnLearner();
    const id = req.ID === 0n ? this.leaseIds.next() : req.ID;
    return this.proposeWrite({ leaseGrant: { ID: id, TTL: req.TTL } });
  }

  async leaseRevoke(req: LeaseRevokeRequest, caller?: Caller): Promise<LeaseRevokeResponse> {
    this.refuseOnLearner();
    return this.propose({ leaseRevoke: req, header: requestHeader(caller) });
  }

  async leaseRenew(id: bigint): Promise<bigint> {
    this.refuseOnLearner();
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
    this.refuseOnLearner();
    // Remaining TTLs live on the leader's clock only.
    const peer = this.leaderPeerIfFollower();
    if (peer) return peer.leaseTimeToLive(req);
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
    this.refuseOnLearner();
    await this.p.reads.wait();
    return { header: this.header(), leases: this.p.lessor.leases().map((ID) => ({ ID })) };
  }

  // ---- Watch ----

  openWatchStream(send: (resp: WatchResponse) => void | Promise<void>): WatchStreamApi {
    // The stream checks a create synchronously, so the caller of the create in progress is kept at hand.
    let creator: Caller | Error | undefined;
    const stream = new WatchStream({
      store: this.p.watchable,
      send,
      authorize: (req) => this.auth.checkWatch(creator, req),
      header: (rev) => this.header(rev),
      maxResponseBytes: this.p.maxRequestBytes + 512 * 1024,
    });
    return {
      create: (req, caller) => {
        creator = caller;
        stream.create(req);
      },
      cancel: (id) => stream.cancel(id),
      requestProgress: () => stream.requestProgress(),
      close: () => stream.close(),
    };
  }

  // ---- Cluster ----

  async memberList(): Promise<MemberListResponse> {
    this.refuseOnLearner();
    return { header: this.clusterHeader(), members: this.p.membership.toProto() };
  }

  async memberAdd(req: MemberAddRequest, caller?: Caller): Promise<MemberAddResponse> {
    this.refuseOnLearner();
    this.auth.checkAdmin(caller);
    return this.p.cluster.memberAdd(req);
  }

  async memberRemove(id: bigint, caller?: Caller): Promise<MemberRemoveResponse> {
    this.refuseOnLearner();
    this.auth.checkAdmin(caller);
    return this.p.cluster.memberRemove(id);
  }

  async memberUpdate(req: MemberUpdateRequest, caller?: Caller): Promise<MemberUpdateResponse> {
    this.refuseOnLearner();
    this.auth.checkAdmin(caller);
    return this.p.cluster.memberUpdate(req);
  }

  async memberPromote(id: bigint, caller?: Caller): Promise<MemberPromoteResponse> {
    this.refuseOnLearner();
    this.auth.checkAdmin(caller);
    // Only the leader knows whether the learner has caught up: a follower forwards the call, as etcd does.
    const peer = this.leaderPeerIfFollower();
    return peer ? peer.memberPromote({ ID: id }) : this.p.cluster.memberPromote(id);
  }

  /** A client for the leader when this member is a follower that knows one; undefined on the leader. */
  private leaderPeerIfFollower(): PeerClient | undefined {
    const leader = this.leader();
    if (leader === 0n || this.p.raft.isLeader) return undefined;
    return this.p.leaderPeer(leader);
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
      // etcd's alarm responses carry no header.
      return { alarms: this.p.alarms.list(req.alarm) };
    }
    return this.propose({ alarm: req });
  }

  async hash(caller?: Caller): Promise<HashResponse> {
    this.refuseOnLearner();
    this.auth.checkMaintenance(caller);
    return { header: this.header(), hash: await this.p.mvcc.hash() };
  }

  async hashKV(revision: bigint, caller?: Caller): Promise<HashKVResponse> {
    this.refuseOnLearner();
    this.auth.checkMaintenance(caller);
    const rev = revision === 0n ? this.p.mvcc.currentRevision : Number(revision);
    const h = await this.p.mvcc.hashKV(rev);
    return { header: this.header(rev), hash: h.hash, compactRevision: BigInt(h.compactRevision) };
  }

  async defragment(caller?: Caller): Promise<void> {
    this.refuseOnLearner();
    this.auth.checkMaintenance(caller);
    await this.p.mvcc.defragment();
  }

  async snapshot(caller?: Caller): Promise<{ size: number; chunks: Iterable<Buffer> }> {
    this.refuseOnLearner();
    this.auth.checkMaintenance(caller);
    // The stream holds what is on disk, so everything applied so far is written first; its size is only known
    // once it has been read, and clients want remaining_bytes from the first chunk on.
    await this.p.flushStore();
    const chunks: Buffer[] = [];
    const sha = createHash('sha256');
    for await (const chunk of this.p.mvcc.snapshotStream()) {
      chunks.push(chunk as Buffer);
      sha.update(chunk as Buffer);
    }
    // Like etcd's, the stream is a whole number of 512-byte blocks followed by the SHA-256 of them, which is the
    // layout etcdctl checks a saved file for.
    const size = chunks.reduce((n, c) => n + c.length, 0);
    const padding = Buffer.alloc((512 - (size % 512)) % 512);
    chunks.push(padding);
    sha.update(padding);
    chunks.push(sha.digest());
    return { size: chunks.reduce((n, c) => n + c.length, 0), chunks };
  }

  async moveLeader(targetId: bigint): Promise<void> {
    this.refuseOnLearner();
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

  // ---- Auth (auth-api.ts) ----

  callerFromToken(token: string): Promise<Caller> {
    return this.auth.callerFromToken(token);
  }

  callerFromCommonName(cn: string): Caller {
    return this.auth.callerFromCommonName(cn);
  }

  authenticateBasic(user: string, password: string): Promise<Caller> {
    return this.auth.authenticateBasic(user, password);
  }

  authenticate(req: AuthenticateRequest): Promise<AuthenticateResponse> {
    return this.auth.authenticate(req);
  }

  authEnable(caller?: Caller): Promise<AuthEnableResponse> {
    return this.auth.authEnable(caller);
  }

  authDisable(caller?: Caller): Promise<AuthDisableResponse> {
    return this.auth.authDisable(caller);
  }

  userAdd(req: AuthUserAddRequest, caller?: Caller): Promise<AuthUserAddResponse> {
    return this.auth.userAdd(req, caller);
  }

  userGet(req: AuthUserGetRequest, caller?: Caller): Promise<AuthUserGetResponse> {
    return this.auth.userGet(req, caller);
  }

  userList(caller?: Caller): Promise<AuthUserListResponse> {
    return this.auth.userList(caller);
  }

  userDelete(req: AuthUserDeleteRequest, caller?: Caller): Promise<AuthUserDeleteResponse> {
    return this.auth.userDelete(req, caller);
  }

  userChangePassword(req: AuthUserChangePasswordRequest, caller?: Caller): Promise<AuthUserChangePasswordResponse> {
    return this.auth.userChangePassword(req, caller);
  }

  userGrantRole(req: AuthUserGrantRoleRequest, caller?: Caller): Promise<AuthUserGrantRoleResponse> {
    return this.auth.userGrantRole(req, caller);
  }

  userRevokeRole(req: AuthUserRevokeRoleRequest, caller?: Caller): Promise<AuthUserRevokeRoleResponse> {
    return this.auth.userRevokeRole(req, caller);
  }

  roleAdd(req: AuthRoleAddRequest, caller?: Caller): Promise<AuthRoleAddResponse> {
    return this.auth.roleAdd(req, caller);
  }

  roleGet(req: AuthRoleGetRequest, caller?: Caller): Promise<AuthRoleGetResponse> {
    return this.auth.roleGet(req, caller);
  }

  roleList(caller?: Caller): Promise<AuthRoleListResponse> {
    return this.auth.roleList(caller);
  }

  roleDelete(req: AuthRoleDeleteRequest, caller?: Caller): Promise<AuthRoleDeleteResponse> {
    return this.auth.roleDelete(req, caller);
  }

  roleGrantPermission(req: AuthRoleGrantPermissionRequest, caller?: Caller): Promise<AuthRoleGrantPermissionResponse> {
    return this.auth.roleGrantPermission(req, caller);
  }

  roleRevokePermission(req: AuthRoleRevokePermissionRequest, caller?: Caller): Promise<AuthRoleRevokePermissionResponse> {
    return this.auth.roleRevokePermission(req, caller);
  }

  // ---- proposing ----

  /** A proposal that writes: refused while the space quota is exhausted, as etcd's capped applier does. */
  private proposeWrite<R>(fields: Partial<InternalRequest>, raw?: RawField): Promise<R> {
    if (this.p.alarms.hasNoSpace()) return Promise.reject(new EtcdError('noSpace'));
    if (this.p.mvcc.dbSize() > this.p.quotaBackendBytes) {
      this.raiseNoSpace();
      return Promise.reject(new EtcdError('noSpace'));
    }
    return this.propose<R>(fields, raw);
  }

  private raiseNoSpace(): void {
    this.propose({
      alarm: { action: AlarmRequest_AlarmAction.ACTIVATE, memberID: this.memberId, alarm: AlarmType.NOSPACE },
    }).catch((err) => this.p.logger.warn({ err }, 'could not raise the NOSPACE alarm'));
  }

  propose<R>(fields: Partial<InternalRequest>, raw?: RawField): Promise<R> {
    if (this.leader() === 0n) return Promise.reject(new EtcdError('noLeader'));
    const id = this.p.proposals.nextId();
    const req = { ...fields, id } as InternalRequest;
    const data = raw ? encodeWithRaw(id, raw.field, raw.bytes, req.header) : encodeMessage(InternalRequest, req);
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
