// The apply loop's one job: turn each committed entry into the state change it stands for, in log order, the same
// way on every member, and hand the result to the proposer's waiter (if the proposal was made here).
import type { Logger } from 'pino';
import type { ResponseHeader } from '../gen/etcdserverpb/rpc';
import { AlarmRequest_AlarmAction } from '../gen/etcdserverpb/rpc';
import { InternalRequest, type ClusterMemberAttrRequest } from '../gen/tetcdpb/internal';
import { LeaseNotFoundError } from '../lease/errors';
import type { Lessor } from '../lease/lessor';
import { applyDeleteRange, applyPut, applyTxn } from '../mvcc/kv-ops';
import type { MvccStore } from '../mvcc/store';
import { EntryType, type Entry } from '../raft/types';
import type { AuthStore } from '../auth/auth-store';
import { applyAuthRequest, authorizeEntry } from '../auth/apply-auth';
import type { Alarms } from './alarms';
import type { ProposalRegistry } from './proposals';

export interface ApplyContext {
  mvcc: MvccStore;
  lessor: Lessor;
  alarms: Alarms;
  auth: AuthStore;
  proposals: ProposalRegistry<InternalRequest>;
  header: (revision?: number) => ResponseHeader;
  /** Resolves once the store's next batch is on disk (physical compaction is done then). */
  nextCommit: () => Promise<void>;
  applyConfChange: (entry: Entry, isNew: boolean) => void;
  applyMemberAttr: (req: ClusterMemberAttrRequest) => unknown;
  logger: Logger;
}

/** The request ID is field 1 (varint) at the start of every encoded InternalRequest; reading it avoids a decode. */
function peekRequestId(data: Uint8Array): bigint | undefined {
  if (data[0] !== 0x08) return undefined;
  let id = 0n;
  let shift = 0n;
  for (let i = 1; i < data.length && i < 11; i++) {
    const b = data[i];
    id |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return id;
    shift += 7n;
  }
  return undefined;
}

export class Applier {
  /**
   * Entries up to this index are already in the store (it was restored from a snapshot taken later than the Raft
   * snapshot that came with it): applying them again would repeat their effects.
   */
  skipThrough: number;

  constructor(private readonly ctx: ApplyContext) {
    this.skipThrough = ctx.mvcc.consistentIndex;
  }

  applyEntries(entries: Entry[]): void {
    for (const entry of entries) {
      if (entry.type === EntryType.ConfChange) {
        // Raft must see every configuration change applied; the membership record only the new ones.
        this.ctx.applyConfChange(entry, entry.index > this.skipThrough);
        continue;
      }
      if (entry.data.length === 0 || entry.index <= this.skipThrough) continue; // a leader's no-op, or applied
      const id = peekRequestId(entry.data);
      const req = (id !== undefined ? this.ctx.proposals.requestOf(id) : undefined) ?? InternalRequest.decode(entry.data);
      let result: unknown;
      try {
        result = this.applyRequest(req, entry.index);
      } catch (err) {
        this.ctx.proposals.reject(req.id, err);
        continue;
      }
      this.ctx.proposals.resolve(req.id, result);
    }
  }

  private applyRequest(req: InternalRequest, index: number): unknown {
    const { mvcc, lessor, header, auth } = this.ctx;
    authorizeEntry(auth, req, (lease) => mvcc.keysWithLease(lease));
    const authResult = applyAuthRequest(auth, req, index, () => header());
    if (authResult) return authResult;
    const leaseExists = (id: bigint): boolean => lessor.has(id);
    // kv-ops put the operation's revision in the header; the rest of it is this member's.
    const fill = <R extends { header?: ResponseHeader }>(res: R): R => {
      res.header = header(res.header ? Number(res.header.revision) : undefined);
      return res;
    };
    if (req.put) return fill(applyPut(mvcc, req.put, leaseExists));
    if (req.deleteRange) return fill(applyDeleteRange(mvcc, req.deleteRange));
    if (req.txn) {
      // A txn that writes reads only the current revision, so its result is never asynchronous here.
      const res = applyTxn(mvcc, req.txn, leaseExists);
      if (res instanceof Promise) throw new Error('mvcc: asynchronous read inside a write txn');
      return fill(res);
    }
    if (req.compaction) {
      mvcc.compact(Number(req.compaction.revision));
      return { res: { header: header() }, done: this.ctx.nextCommit() };
    }
    if (req.leaseGrant) {
      const granted = lessor.grant(req.leaseGrant.ID, Number(req.leaseGrant.TTL));
      return { header: header(), ID: granted.id, TTL: BigInt(granted.ttl), error: '' };
    }
    if (req.leaseRevoke) {
      const id = req.leaseRevoke.ID;
      if (!lessor.has(id)) throw new LeaseNotFoundError();
      const keys = mvcc.keysWithLease(id);
      const txn = mvcc.write();
      for (const key of keys) txn.deleteRange(key, undefined);
      lessor.revoke(id);
      return { header: header(txn.end().revision) };
    }
    if (req.leaseCheckpoint) {
      for (const cp of req.leaseCheckpoint.checkpoints) {
        if (lessor.has(cp.ID)) lessor.checkpoint(cp.ID, Number(cp.remainingTTL));
      }
      return { header: header() };
    }
    if (req.alarm) {
      const { action, memberID, alarm } = req.alarm;
      const changed =
        action === AlarmRequest_AlarmAction.ACTIVATE
          ? this.ctx.alarms.activate(memberID, alarm)
          : action === AlarmRequest_AlarmAction.DEACTIVATE
            ? this.ctx.alarms.deactivate(memberID, alarm)
            : undefined;
      if (changed) this.ctx.logger.warn({ alarm: changed.alarm, member: memberID.toString(16), action }, 'alarm changed');
      return { alarms: changed ? [changed] : [] };
    }
    if (req.clusterMemberAttr) return this.ctx.applyMemberAttr(req.clusterMemberAttr);
    throw new Error('unknown request in Raft entry');
  }
}
