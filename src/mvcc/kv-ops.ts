import {
  Compare,
  Compare_CompareResult,
  Compare_CompareTarget,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from '../gen/etcdserverpb/rpc';
import type { KeyValue } from '../gen/mvccpb/kv';
import { CompactedError, FutureRevError, KeyNotFoundError, LeaseNotFoundError } from './errors';
import type { MvccStore, RangeOptions, RangeResult, WriteTxn } from './store';

// etcd's KV request semantics on top of MvccStore. Every response carries a
// header holding only `revision` (what etcd reports for that operation); the
// server fills in cluster_id, member_id and raft_term. Results may share
// KeyValue objects with the store: treat them as read-only.

export type LeaseExists = (id: bigint) => boolean;

type Reader = (key: Buffer, rangeEnd: Buffer, opts: RangeOptions) => RangeResult | Promise<RangeResult>;

function header(revision: number): ResponseHeader {
  return { clusterId: 0n, memberId: 0n, revision: BigInt(revision), raftTerm: 0n };
}

// Reads of the newest revision never wait for disk.
function now(result: RangeResult | Promise<RangeResult>): RangeResult {
  if (result instanceof Promise) throw new Error('mvcc: unexpected asynchronous read of the current revision');
  return result;
}

function then<T, U>(value: T | Promise<T>, f: (v: T) => U): U | Promise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

export function applyRange(store: MvccStore, req: RangeRequest): RangeResponse | Promise<RangeResponse> {
  return rangeWith((k, e, o) => store.range(k, e, o), req);
}

export function applyPut(store: MvccStore, req: PutRequest, leaseExists: LeaseExists): PutResponse {
  if (req.lease !== 0n && !leaseExists(req.lease)) throw new LeaseNotFoundError();
  if ((req.ignoreValue || req.ignoreLease) && now(store.range(req.key, undefined)).kvs.length === 0) {
    throw new KeyNotFoundError();
  }
  return inWriteTxn(store, (txn) => putIn(txn, req));
}

export function applyDeleteRange(store: MvccStore, req: DeleteRangeRequest): DeleteRangeResponse {
  return inWriteTxn(store, (txn) => deleteIn(txn, req));
}

// Compares and preconditions are all evaluated against the state before the
// transaction; then the chosen branch runs as one revision. The write part is
// synchronous; only historical range reads inside it make the result async.
export function applyTxn(store: MvccStore, req: TxnRequest, leaseExists: LeaseExists): TxnResponse | Promise<TxnResponse> {
  const plan = planTxn(store, req);
  const writes = hasWrites(req);
  if (writes) checkWritePreconditions(store, plan, leaseExists);
  checkReadPreconditions(store, plan);

  const reads: Array<Promise<void>> = [];
  const response = writes
    ? inWriteTxn(store, (txn) => withRevision(runPlan(plan, txnOps(txn), reads), txn.revision))
    : withRevision(runPlan(plan, readOps(store), reads), store.currentRevision);
  return reads.length === 0 ? response : Promise.all(reads).then(() => response);
}

function inWriteTxn<T>(store: MvccStore, body: (txn: WriteTxn) => T): T {
  const txn = store.write();
  try {
    return body(txn);
  } finally {
    txn.end();
  }
}

function withRevision(response: TxnResponse, revision: number): TxnResponse {
  response.header = header(revision);
  return response;
}

// ---- range ------------------------------------------------------------------

function rangeWith(read: Reader, req: RangeRequest): RangeResponse | Promise<RangeResponse> {
  // Sorting and filtering need every match; otherwise one extra row tells us
  // whether there are more.
  let limit = req.sortOrder !== RangeRequest_SortOrder.NONE || hasRevisionFilter(req) ? 0 : Number(req.limit);
  if (limit > 0) limit++;
  const result = read(req.key, req.rangeEnd, { revision: Number(req.revision), limit, countOnly: req.countOnly });
  return then(result, (rr) => shapeRange(req, rr));
}

function hasRevisionFilter(req: RangeRequest): boolean {
  return req.minModRevision !== 0n || req.maxModRevision !== 0n || req.minCreateRevision !== 0n || req.maxCreateRevision !== 0n;
}

// rr.kvs is an array made for this read alone, so it is sorted in place.
function shapeRange(req: RangeRequest, rr: RangeResult): RangeResponse {
  let kvs = hasRevisionFilter(req)
    ? rr.kvs.filter(
        (kv) =>
          (req.maxModRevision === 0n || kv.modRevision <= req.maxModRevision) &&
          (req.minModRevision === 0n || kv.modRevision >= req.minModRevision) &&
          (req.maxCreateRevision === 0n || kv.createRevision <= req.maxCreateRevision) &&
          (req.minCreateRevision === 0n || kv.createRevision >= req.minCreateRevision),
      )
    : rr.kvs;
  let order = req.sortOrder;
  if (req.sortTarget !== RangeRequest_SortTarget.KEY && order === RangeRequest_SortOrder.NONE) {
    order = RangeRequest_SortOrder.ASCEND;
  }
  if (order === RangeRequest_SortOrder.ASCEND || order === RangeRequest_SortOrder.DESCEND) {
    const cmp = sortComparator(req.sortTarget);
    const sign = order === RangeRequest_SortOrder.DESCEND ? -1 : 1;
    kvs.sort((a, b) => sign * cmp(a, b));
  }
  let more = false;
  const limit = Number(req.limit);
  if (limit > 0 && kvs.length > limit) {
    kvs = kvs.slice(0, limit);
    more = true;
  }
  if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: Buffer.alloc(0) }));
  return { header: header(rr.rev), kvs, more, count: BigInt(rr.count) };
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortComparator(target: RangeRequest_SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case RangeRequest_SortTarget.VERSION:
      return (a, b) => compareBigints(a.version, b.version);
    case RangeRequest_SortTarget.CREATE:
      return (a, b) => compareBigints(a.createRevision, b.createRevision);
    case RangeRequest_SortTarget.MOD:
      return (a, b) => compareBigints(a.modRevision, b.modRevision);
    case RangeRequest_SortTarget.VALUE:
      return (a, b) => Buffer.compare(a.value, b.value);
    default:
      return (a, b) => Buffer.compare(a.key, b.key);
  }
}

// ---- put / delete inside a write transaction --------------------------------

function putIn(txn: WriteTxn, req: PutRequest): PutResponse {
  const needPrev = req.ignoreValue || req.ignoreLease || req.prevKv;
  const prev = needPrev ? now(txn.rangeInTxn(req.key, undefined)).kvs[0] : undefined;
  if ((req.ignoreValue || req.ignoreLease) && prev === undefined) throw new KeyNotFoundError();
  const value = req.ignoreValue ? (prev as KeyValue).value : req.value;
  const lease = req.ignoreLease ? (prev as KeyValue).lease : req.lease;
  txn.put(req.key, value, lease);
  const response: PutResponse = { header: header(txn.revision) };
  if (req.prevKv && prev !== undefined) response.prevKv = prev;
  return response;
}

function deleteIn(txn: WriteTxn, req: DeleteRangeRequest): DeleteRangeResponse {
  const { deleted, prevKvs } = txn.deleteRange(req.key, req.rangeEnd);
  return { header: header(txn.revision), deleted: BigInt(deleted), prevKvs: req.prevKv ? prevKvs : [] };
}

// ---- txn --------------------------------------------------------------------

// The branch each (nested) transaction takes, decided before anything runs.
interface Plan {
  succeeded: boolean;
  ops: RequestOp[];
  // Plans of nested transactions, by position in ops.
  nested: Map<number, Plan>;
}

function planTxn(store: MvccStore, req: TxnRequest): Plan {
  const succeeded = req.compare.every((c) => compareHolds(store, c));
  const ops = succeeded ? req.success : req.failure;
  const nested = new Map<number, Plan>();
  ops.forEach((op, i) => {
    if (op.requestTxn !== undefined) nested.set(i, planTxn(store, op.requestTxn));
  });
  return { succeeded, ops, nested };
}

function compareHolds(store: MvccStore, c: Compare): boolean {
  const { kvs } = now(store.range(c.key, c.rangeEnd));
  // A missing key compares as all-zero fields, except that it has no value.
  if (kvs.length === 0) return c.target !== Compare_CompareTarget.VALUE && compareKeyValue(c, ABSENT);
  return kvs.every((kv) => compareKeyValue(c, kv));
}

const ABSENT: KeyValue = {
  key: Buffer.alloc(0),
  createRevision: 0n,
  modRevision: 0n,
  version: 0n,
  value: Buffer.alloc(0),
  lease: 0n,
};

function compareKeyValue(c: Compare, kv: KeyValue): boolean {
  let order: number;
  switch (c.target) {
    case Compare_CompareTarget.VALUE:
      order = Buffer.compare(kv.value, c.value ?? Buffer.alloc(0));
      break;
    case Compare_CompareTarget.CREATE:
      order = compareBigints(kv.createRevision, c.createRevision ?? 0n);
      break;
    case Compare_CompareTarget.MOD:
      order = compareBigints(kv.modRevision, c.modRevision ?? 0n);
      break;
    case Compare_CompareTarget.VERSION:
      order = compareBigints(kv.version, c.version ?? 0n);
      break;
    case Compare_CompareTarget.LEASE:
      order = compareBigints(kv.lease, c.lease ?? 0n);
      break;
    default:
      order = 0;
  }
  switch (c.result) {
    case Compare_CompareResult.EQUAL:
      return order === 0;
    case Compare_CompareResult.NOT_EQUAL:
      return order !== 0;
    case Compare_CompareResult.GREATER:
      return order > 0;
    case Compare_CompareResult.LESS:
      return order < 0;
    default:
      return true;
  }
}

// Any put or delete on any branch makes it a write transaction, as in etcd.
export function hasWrites(req: TxnRequest): boolean {
  return req.success.some(writes) || req.failure.some(writes);
}

function writes(op: RequestOp): boolean {
  return (
    op.requestPut !== undefined ||
    op.requestDeleteRange !== undefined ||
    (op.requestTxn !== undefined && hasWrites(op.requestTxn))
  );
}

function forEachPlannedOp(plan: Plan, visit: (op: RequestOp) => void): void {
  plan.ops.forEach((op, i) => {
    const nested = plan.nested.get(i);
    if (nested !== undefined) forEachPlannedOp(nested, visit);
    else visit(op);
  });
}

function checkWritePreconditions(store: MvccStore, plan: Plan, leaseExists: LeaseExists): void {
  forEachPlannedOp(plan, (op) => {
    const put = op.requestPut;
    if (put === undefined) return;
    if ((put.ignoreValue || put.ignoreLease) && now(store.range(put.key, undefined)).kvs.length === 0) {
      throw new KeyNotFoundError();
    }
    if (put.lease !== 0n && !leaseExists(put.lease)) throw new LeaseNotFoundError();
  });
}

function checkReadPreconditions(store: MvccStore, plan: Plan): void {
  forEachPlannedOp(plan, (op) => {
    const range = op.requestRange;
    if (range === undefined || range.revision === 0n) return;
    if (range.revision > BigInt(store.currentRevision)) throw new FutureRevError();
    if (range.revision < BigInt(store.compactRevision)) throw new CompactedError();
  });
}

interface OpRunner {
  range(req: RangeRequest): RangeResponse | Promise<RangeResponse>;
  put(req: PutRequest): PutResponse;
  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse;
}

function txnOps(txn: WriteTxn): OpRunner {
  return {
    range: (req) => rangeWith((k, e, o) => txn.rangeInTxn(k, e, o), req),
    put: (req) => putIn(txn, req),
    deleteRange: (req) => deleteIn(txn, req),
  };
}

function readOps(store: MvccStore): OpRunner {
  const readOnly = (): never => {
    throw new Error('mvcc: write in a read-only transaction');
  };
  return { range: (req) => applyRange(store, req), put: readOnly, deleteRange: readOnly };
}

// Runs a plan in order; async range results land in their slot later and
// their promises are collected in `reads`.
function runPlan(plan: Plan, run: OpRunner, reads: Array<Promise<void>>): TxnResponse {
  const responses: ResponseOp[] = plan.ops.map((op, i): ResponseOp => {
    const nested = plan.nested.get(i);
    if (nested !== undefined) {
      // etcd leaves nested transaction headers empty.
      const inner = runPlan(nested, run, reads);
      inner.header = { clusterId: 0n, memberId: 0n, revision: 0n, raftTerm: 0n };
      return { responseTxn: inner };
    }
    if (op.requestRange !== undefined) {
      const result = run.range(op.requestRange);
      if (!(result instanceof Promise)) return { responseRange: result };
      const slot: ResponseOp = {};
      reads.push(result.then((r) => void (slot.responseRange = r)));
      return slot;
    }
    if (op.requestPut !== undefined) return { responsePut: run.put(op.requestPut) };
    if (op.requestDeleteRange !== undefined) return { responseDeleteRange: run.deleteRange(op.requestDeleteRange) };
    return {};
  });
  return { header: undefined, succeeded: plan.succeeded, responses };
}
