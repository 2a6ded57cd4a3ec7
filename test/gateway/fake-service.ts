// A single-member ServiceApi for gateway tests: the real MVCC store, watchable store and watch streams,
// with leases and membership kept in memory. Leases never expire by themselves: tests call expireLease()
// so that expiry happens exactly when they say.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  Member,
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
  TxnRequest,
  TxnResponse,
  WatchResponse,
} from '../../src/gen/etcdserverpb/rpc';
import type { ServiceApi, WatchStreamApi } from '../../src/server/api';
import { EtcdError } from '../../src/server/errors';
import { MvccStore, applyDeleteRange, applyPut, applyRange, applyTxn } from '../../src/mvcc';
import { WatchableStore } from '../../src/mvcc/watchable-store';
import { WatchStream } from '../../src/mvcc/watch-stream';

function unused(): never {
  throw new Error('not used by the v2 gateway');
}

interface Lease {
  grantedTTL: bigint;
  /** Seconds left, as the fake's clock sees it (it never ticks). */
  ttl: bigint;
}

export class FakeService implements ServiceApi {
  readonly memberId = 0x6c74fff0bc767d99n;
  readonly clusterId = 0x2d759d4b21c89653n;
  readonly name = 'fake';
  members: Member[] = [
    { ID: this.memberId, name: 'fake', peerURLs: ['http://127.0.0.1:2380'], clientURLs: ['http://127.0.0.1:2379'], isLearner: false },
  ];
  leaderId = this.memberId;
  readonly leases = new Map<bigint, Lease>();
  private nextLease = 0x1000n;
  private readonly watchable: WatchableStore;

  private constructor(
    readonly mvcc: MvccStore,
    private readonly dir: string,
  ) {
    this.watchable = new WatchableStore(mvcc);
  }

  static async open(): Promise<FakeService> {
    const dir = mkdtempSync(join(tmpdir(), 'tetcd-v2-fake-'));
    return new FakeService(await MvccStore.open(dir), dir);
  }

  async close(): Promise<void> {
    this.watchable.close();
    await this.mvcc.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  header(revision: bigint = BigInt(this.mvcc.currentRevision)): ResponseHeader {
    return { clusterId: this.clusterId, memberId: this.memberId, revision, raftTerm: 2n };
  }

  private stamp<T extends { header?: ResponseHeader }>(resp: T): T {
    resp.header = this.header(resp.header?.revision);
    return resp;
  }

  private leaseExists = (id: bigint) => this.leases.has(id);

  async range(req: RangeRequest): Promise<RangeResponse> {
    return this.stamp(await applyRange(this.mvcc, req));
  }
  async put(req: PutRequest): Promise<PutResponse> {
    return this.stamp(applyPut(this.mvcc, req, this.leaseExists));
  }
  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    return this.stamp(applyDeleteRange(this.mvcc, req));
  }
  async txn(req: TxnRequest): Promise<TxnResponse> {
    return this.stamp(await applyTxn(this.mvcc, req, this.leaseExists));
  }
  async compact(req: CompactionRequest): Promise<CompactionResponse> {
    this.mvcc.compact(Number(req.revision));
    return { header: this.header() };
  }

  async leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    const id = req.ID !== 0n ? req.ID : this.nextLease++;
    this.leases.set(id, { grantedTTL: req.TTL, ttl: req.TTL });
    return { header: this.header(), ID: id, TTL: req.TTL, error: '' };
  }
  async leaseRevoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse> {
    this.expireLease(req.ID);
    return { header: this.header() };
  }
  async leaseRenew(id: bigint): Promise<bigint> {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new EtcdError('leaseNotFound');
    lease.ttl = lease.grantedTTL;
    return lease.ttl;
  }
  async leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    const lease = this.leases.get(req.ID);
    return { header: this.header(), ID: req.ID, TTL: lease?.ttl ?? -1n, grantedTTL: lease?.grantedTTL ?? 0n, keys: [] };
  }
  async leaseLeases(): Promise<LeaseLeasesResponse> {
    return { header: this.header(), leases: [...this.leases.keys()].map((ID) => ({ ID })) };
  }

  /** What the lessor does when a lease runs out: all its keys go in one revision. */
  expireLease(id: bigint): void {
    if (!this.leases.delete(id)) throw new EtcdError('leaseNotFound');
    const keys = this.mvcc.keysWithLease(id);
    if (keys.length === 0) return;
    const txn = this.mvcc.write();
    try {
      for (const key of keys) txn.deleteRange(key, undefined);
    } finally {
      txn.end();
    }
  }

  /** Pretends `seconds` went by for every lease (without expiring any). */
  tick(seconds: bigint): void {
    for (const lease of this.leases.values()) lease.ttl = lease.ttl > seconds ? lease.ttl - seconds : 0n;
  }

  openWatchStream(send: (resp: WatchResponse) => void): WatchStreamApi {
    const stream = new WatchStream({
      store: this.watchable,
      send,
      header: (rev) => this.header(BigInt(rev)),
      progressIntervalMs: 0,
    });
    return {
      create: (req) => stream.create(req),
      cancel: (id) => stream.cancel(id),
      requestProgress: () => stream.requestProgress(),
      close: () => stream.close(),
    };
  }

  async memberList(): Promise<MemberListResponse> {
    return { header: this.header(), members: this.members };
  }
  async memberAdd(req: MemberAddRequest): Promise<MemberAddResponse> {
    if (this.members.some((m) => m.peerURLs.some((u) => req.peerURLs.includes(u)))) throw new EtcdError('peerURLExist');
    const member: Member = { ID: 0x50f8bfcded0a0953n, name: '', peerURLs: req.peerURLs, clientURLs: [], isLearner: req.isLearner };
    this.members = [...this.members, member];
    return { header: this.header(), member, members: this.members };
  }
  async memberRemove(id: bigint): Promise<MemberRemoveResponse> {
    if (!this.members.some((m) => m.ID === id)) throw new EtcdError('memberNotFound');
    this.members = this.members.filter((m) => m.ID !== id);
    return { header: this.header(), members: this.members };
  }
  async memberUpdate(req: MemberUpdateRequest): Promise<MemberUpdateResponse> {
    const member = this.members.find((m) => m.ID === req.ID);
    if (member === undefined) throw new EtcdError('memberNotFound');
    member.peerURLs = req.peerURLs;
    return { header: this.header(), members: this.members };
  }
  async memberPromote(): Promise<MemberPromoteResponse> {
    throw new EtcdError('memberNotLearner');
  }

  // Maintenance is not part of the v2 API; typed from ServiceApi so the fake follows its changes.
  status: ServiceApi['status'] = unused;
  alarm: ServiceApi['alarm'] = unused;
  hash: ServiceApi['hash'] = unused;
  hashKV: ServiceApi['hashKV'] = unused;
  defragment: ServiceApi['defragment'] = unused;
  snapshot: ServiceApi['snapshot'] = unused;
  moveLeader: ServiceApi['moveLeader'] = unused;

  leader(): bigint {
    return this.leaderId;
  }
  raftIndex(): number {
    return this.mvcc.currentRevision + 1;
  }
  raftTerm(): number {
    return 2;
  }
  appliedIndex(): number {
    return this.mvcc.currentRevision + 1;
  }
  async health(): Promise<{ ok: boolean; reason?: string }> {
    return { ok: true };
  }
}
