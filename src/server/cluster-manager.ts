// Runtime membership: the Cluster service's add / remove / update / promote, as Raft configuration changes that
// take effect when applied on every member, and each member's published name and client URLs.
import type { Logger } from 'pino';
import type {
  MemberAddRequest,
  MemberAddResponse,
  MemberPromoteResponse,
  MemberRemoveResponse,
  MemberUpdateRequest,
  MemberUpdateResponse,
  Member,
  ResponseHeader,
} from '../gen/etcdserverpb/rpc';
import type { InternalRequest, ClusterMemberAttrRequest } from '../gen/tetcdpb/internal';
import type { MvccStore } from '../mvcc/store';
import { ConfChangeType, decodeConfChange, type ConfChange, type Entry } from '../raft';
import { memberIdFor } from './cluster-ids';
import { EtcdError } from './errors';
import { Membership, toProtoMember, type MemberRecord } from './membership';
import type { ProposalRegistry } from './proposals';
import type { RaftNode } from './raft-node';

export const MEMBERSHIP_BUCKET = 'cluster';
export const MEMBERSHIP_KEY = Buffer.from('membership');

/** What a member's peers need to hear about membership changes (the peer transport). */
export interface PeerDirectory {
  addPeer(id: bigint, urls: string[]): void;
  updatePeer(id: bigint, urls: string[]): void;
  removePeer(id: bigint): void;
  /** When this member's stream to peer `id` became active, or undefined while it is down. */
  activeSince(id: bigint): number | undefined;
}

/** etcd's HealthInterval: a peer counts as connected once its stream has been up this long. */
const HEALTH_INTERVAL_MS = 5000;

/** etcd promotes a learner only once its log has reached this share of the leader's. */
const LEARNER_READY_SHARE = 0.9;

interface ConfChangeContext {
  requestId: string;
  member: { id: string; name: string; peerUrls: string[]; clientUrls: string[]; isLearner: boolean };
}

export interface ClusterManagerDeps {
  memberId: bigint;
  clusterToken: string;
  membership: Membership;
  mvcc: MvccStore;
  raft: RaftNode;
  peers: PeerDirectory;
  proposals: ProposalRegistry<InternalRequest>;
  header: () => ResponseHeader;
  strictReconfigCheck: boolean;
  logger: Logger;
  /** This member was removed from the cluster: it must stop. */
  onRemovedSelf: () => void;
}

export class ClusterManager {
  private promoting = false;

  constructor(private readonly d: ClusterManagerDeps) {}

  get membership(): Membership {
    return this.d.membership;
  }

  /** Takes the membership a restored snapshot holds, and tells the transport who its peers are now. */
  replaceMembership(next: Membership): void {
    const before = new Set(this.d.membership.list().map((m) => m.id));
    this.d.membership.replaceWith(next);
    for (const m of next.list()) {
      if (m.id === this.d.memberId) continue;
      if (before.has(m.id)) this.d.peers.updatePeer(m.id, m.peerUrls);
      else this.d.peers.addPeer(m.id, m.peerUrls);
    }
    for (const id of before) if (!next.get(id)) this.d.peers.removePeer(id);
  }

  // ---- applying ----

  /** Called for every ConfChange entry; `isNew` is false for entries whose effect the store already holds. */
  applyConfChange(entry: Entry, isNew: boolean): void {
    const cc = decodeConfChange(entry.data);
    this.d.raft.raw.applyConfChange(cc);
    const ctx = cc.context.length > 0 ? (JSON.parse(Buffer.from(cc.context).toString()) as ConfChangeContext) : undefined;
    if (isNew) this.applyToMembership(cc, ctx);
    if (ctx) this.d.proposals.resolve(BigInt(ctx.requestId), this.d.membership.toProto());
  }

  private applyToMembership(cc: ConfChange, ctx: ConfChangeContext | undefined): void {
    const ms = this.d.membership;
    const record = (): MemberRecord | undefined =>
      ctx && {
        id: BigInt(ctx.member.id),
        name: ctx.member.name,
        peerUrls: ctx.member.peerUrls,
        clientUrls: ctx.member.clientUrls,
        isLearner: ctx.member.isLearner,
      };
    switch (cc.type) {
      case ConfChangeType.AddNode:
      case ConfChangeType.AddLearnerNode: {
        const existing = ms.get(cc.nodeId);
        if (existing?.isLearner && cc.type === ConfChangeType.AddNode) {
          ms.promote(cc.nodeId);
          this.d.logger.info({ member: cc.nodeId.toString(16) }, 'promoted learner to voting member');
        } else if (!existing) {
          const m = record();
          if (!m) break;
          ms.add(m);
          if (m.id !== this.d.memberId) this.d.peers.addPeer(m.id, m.peerUrls);
          this.d.logger.info({ member: m.id.toString(16), peerUrls: m.peerUrls, learner: m.isLearner }, 'added member');
        }
        break;
      }
      case ConfChangeType.RemoveNode:
        ms.remove(cc.nodeId);
        this.d.logger.info({ member: cc.nodeId.toString(16) }, 'removed member');
        if (cc.nodeId === this.d.memberId) {
          this.d.onRemovedSelf();
        } else {
          this.d.peers.removePeer(cc.nodeId);
        }
        break;
      case ConfChangeType.UpdateNode: {
        const m = record();
        if (!m) break;
        ms.setPeerUrls(cc.nodeId, m.peerUrls);
        if (cc.nodeId !== this.d.memberId) this.d.peers.updatePeer(cc.nodeId, m.peerUrls);
        this.d.logger.info({ member: cc.nodeId.toString(16), peerUrls: m.peerUrls }, 'updated member');
        break;
      }
    }
    this.persist();
  }

  /** A member published its name and client URLs (applied from Raft). */
  applyMemberAttr(req: ClusterMemberAttrRequest): { header: ResponseHeader } {
    this.d.membership.setAttributes(req.memberId, req.name, req.clientUrls);
    this.persist();
    return { header: this.d.header() };
  }

  private persist(): void {
    this.d.mvcc.putMeta(MEMBERSHIP_BUCKET, MEMBERSHIP_KEY, this.d.membership.encode());
  }

  // ---- the Cluster service ----

  async memberAdd(req: MemberAddRequest): Promise<MemberAddResponse> {
    const peerUrls = [...req.peerURLs].sort();
    if (peerUrls.length === 0 || !peerUrls.every(isUrl)) throw new EtcdError('memberBadURLs');
    const taken = new Set(this.d.membership.list().flatMap((m) => m.peerUrls));
    if (peerUrls.some((u) => taken.has(u))) throw new EtcdError('peerURLExist');
    const id = memberIdFor(peerUrls, this.d.clusterToken, Math.floor(Date.now() / 1000));
    if (this.d.membership.get(id) || this.d.membership.isRemoved(id)) throw new EtcdError('memberExist');
    if (this.d.strictReconfigCheck) {
      if (!req.isLearner && !this.readyForVoters(+1)) throw new EtcdError('memberNotEnoughStarted');
      // As etcd: any add (a learner's too) needs every voter connected, or the change could stall the cluster.
      if (this.connectedVoters() !== this.voters().length) throw new EtcdError('unhealthy');
    }
    const member: MemberRecord = { id, name: '', peerUrls, clientUrls: [], isLearner: req.isLearner };
    const members = await this.configure(
      req.isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode,
      id,
      member,
    );
    return { header: this.d.header(), member: toProtoMember(member), members };
  }

  async memberRemove(id: bigint): Promise<MemberRemoveResponse> {
    const m = this.d.membership.get(id);
    if (!m) throw new EtcdError(this.d.membership.isRemoved(id) ? 'memberNotFound' : 'memberNotFound');
    if (!m.isLearner && this.d.strictReconfigCheck) {
      if (!this.readyForVoters(-1, id)) throw new EtcdError('memberNotEnoughStarted');
      // A member that is down is not part of the active quorum; removing a live one must leave a quorum connected.
      const downAlready = id !== this.d.memberId && this.d.peers.activeSince(id) === undefined;
      const voters = this.voters().length;
      if (!downAlready && this.connectedVoters() - 1 < 1 + Math.floor((voters - 1) / 2)) throw new EtcdError('unhealthy');
    }
    const members = await this.configure(ConfChangeType.RemoveNode, id, m);
    return { header: this.d.header(), members };
  }

  async memberUpdate(req: MemberUpdateRequest): Promise<MemberUpdateResponse> {
    const m = this.d.membership.get(req.ID);
    if (!m) throw new EtcdError('memberNotFound');
    const peerUrls = [...req.peerURLs].sort();
    if (peerUrls.length === 0 || !peerUrls.every(isUrl)) throw new EtcdError('memberBadURLs');
    const taken = new Set(this.d.membership.list().filter((x) => x.id !== req.ID).flatMap((x) => x.peerUrls));
    if (peerUrls.some((u) => taken.has(u))) throw new EtcdError('peerURLExist');
    const members = await this.configure(ConfChangeType.UpdateNode, req.ID, { ...m, peerUrls });
    return { header: this.d.header(), members };
  }

  async memberPromote(id: bigint): Promise<MemberPromoteResponse> {
    const m = this.d.membership.get(id);
    if (!m) throw new EtcdError('memberNotFound');
    if (!m.isLearner) throw new EtcdError('memberNotLearner');
    if (!this.d.raft.isLeader) throw new EtcdError(this.d.raft.leader === 0n ? 'noLeader' : 'notLeader');
    if (!this.learnerReady(id)) throw new EtcdError('learnerNotReady');
    if (this.d.strictReconfigCheck && !this.readyForVoters(+1)) throw new EtcdError('memberNotEnoughStarted');
    const members = await this.configure(ConfChangeType.AddNode, id, { ...m, isLearner: false });
    return { header: this.d.header(), members };
  }

  /**
   * --auto-promote-learners (tetcd only): on the leader, promote each learner that has caught up. Called on a timer;
   * at most one promotion is in flight, since Raft takes one configuration change at a time.
   */
  promoteReadyLearners(): void {
    if (this.promoting || !this.d.raft.isLeader) return;
    const ready = this.d.membership.list().find((m) => m.isLearner && m.name !== '' && this.learnerReady(m.id));
    if (!ready) return;
    this.promoting = true;
    this.memberPromote(ready.id)
      .then(() => this.d.logger.info({ member: ready.id.toString(16) }, 'auto-promoted a caught-up learner'))
      .catch((err) => this.d.logger.debug({ err, member: ready.id.toString(16) }, 'auto-promotion not done yet'))
      .finally(() => (this.promoting = false));
  }

  /** Whether a learner has caught up enough to vote (etcd's isLearnerReady; leader only). */
  learnerReady(id: bigint): boolean {
    const progress = this.d.raft.raw.status().progress;
    const learner = progress?.get(id);
    const leader = progress?.get(this.d.memberId);
    if (!learner || !leader) return false;
    return learner.match >= leader.match * LEARNER_READY_SHARE;
  }

  private voters(): MemberRecord[] {
    return this.d.membership.list().filter((m) => !m.isLearner);
  }

  /** Voters this member has been connected to for HEALTH_INTERVAL_MS (itself included), as etcd counts them. */
  private connectedVoters(): number {
    const since = Date.now() - HEALTH_INTERVAL_MS;
    return this.voters().filter((m) => {
      if (m.id === this.d.memberId) return true;
      const t = this.d.peers.activeSince(m.id);
      return t !== undefined && t <= since;
    }).length;
  }

  /**
   * etcd's strict reconfiguration check: after the change (delta voters, `without` excluded), the voters that have
   * started (published their name) must still form a quorum.
   */
  private readyForVoters(delta: number, without?: bigint): boolean {
    const voters = this.d.membership.list().filter((m) => !m.isLearner && m.id !== without);
    const started = voters.filter((m) => m.name !== '').length;
    const size = voters.length + (delta > 0 ? delta : 0);
    // etcd allows growing a one-member cluster to two (how a cluster is rebuilt from one restored member).
    if (delta > 0 && started === 1 && size === 2) return true;
    return started >= Math.floor(size / 2) + 1;
  }

  private configure(type: ConfChangeType, nodeId: bigint, member: MemberRecord): Promise<Member[]> {
    if (this.d.raft.leader === 0n) return Promise.reject(new EtcdError('noLeader'));
    const requestId = this.d.proposals.nextId();
    const ctx: ConfChangeContext = {
      requestId: requestId.toString(),
      member: { ...member, id: member.id.toString() },
    };
    const done = this.d.proposals.wait<Member[]>(requestId, { id: requestId } as InternalRequest);
    try {
      this.d.raft.raw.proposeConfChange({ type, nodeId, context: Buffer.from(JSON.stringify(ctx)) });
    } catch (err) {
      this.d.proposals.reject(requestId, err);
    }
    this.d.raft.wake();
    return done;
  }
}

function isUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.port !== '' && (url.pathname === '/' || url.pathname === '');
  } catch {
    return false;
  }
}
