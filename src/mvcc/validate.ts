import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from '../gen/etcdserverpb/rpc';
import {
  DuplicateKeyError,
  EmptyKeyError,
  KeyNotFoundError,
  LeaseProvidedError,
  TooManyOpsError,
  ValueProvidedError,
} from './errors';

// Checks etcd runs on a request before proposing it to Raft, so malformed
// requests fail fast with etcd's errors and never reach the log.

// etcd's default for --max-txn-ops.
export const DEFAULT_MAX_TXN_OPS = 128;

export function checkRangeRequest(req: RangeRequest): void {
  if (req.key.length === 0) throw new EmptyKeyError();
}

export function checkPutRequest(req: PutRequest): void {
  if (req.key.length === 0) throw new EmptyKeyError();
  if (req.ignoreValue && req.value.length !== 0) throw new ValueProvidedError();
  if (req.ignoreLease && req.lease !== 0n) throw new LeaseProvidedError();
}

export function checkDeleteRequest(req: DeleteRangeRequest): void {
  if (req.key.length === 0) throw new EmptyKeyError();
}

// Everything etcd's Txn handler verifies: size limits at every nesting level,
// non-empty keys, known op kinds, and that no key is written twice on any path
// (two puts, or a put inside a deleted range).
export function checkTxnRequest(req: TxnRequest, maxTxnOps: number = DEFAULT_MAX_TXN_OPS): void {
  checkTxnShape(req, maxTxnOps);
  checkWrites(req.success);
  checkWrites(req.failure);
}

function checkTxnShape(req: TxnRequest, maxTxnOps: number): void {
  const widest = Math.max(req.compare.length, req.success.length, req.failure.length);
  if (widest > maxTxnOps) throw new TooManyOpsError();
  for (const c of req.compare) {
    if (c.key.length === 0) throw new EmptyKeyError();
  }
  // Nested transactions share the budget left over by their parent.
  for (const op of [...req.success, ...req.failure]) checkRequestOp(op, maxTxnOps - widest);
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  if (op.requestRange !== undefined) return checkRangeRequest(op.requestRange);
  if (op.requestPut !== undefined) return checkPutRequest(op.requestPut);
  if (op.requestDeleteRange !== undefined) return checkDeleteRequest(op.requestDeleteRange);
  if (op.requestTxn !== undefined) return checkTxnShape(op.requestTxn, maxTxnOps);
  throw new KeyNotFoundError();
}

// A deleted span [begin, end); a single-key delete is [key, key + "\0").
interface Span {
  begin: Buffer;
  end: Buffer;
}

function spanContains(span: Span, key: Buffer): boolean {
  return Buffer.compare(span.begin, key) <= 0 && Buffer.compare(key, span.end) < 0;
}

function deletedBy(dels: Span[], key: Buffer): boolean {
  return dels.some((span) => spanContains(span, key));
}

// Returns the keys put and spans deleted by one branch (including nested
// transactions). Like etcd, a range_end of "\0" is taken literally here, so a
// delete-from-key never conflicts.
function checkWrites(ops: RequestOp[]): { puts: Set<string>; dels: Span[] } {
  const dels: Span[] = [];
  for (const op of ops) {
    const del = op.requestDeleteRange;
    if (del === undefined) continue;
    const end = del.rangeEnd.length !== 0 ? del.rangeEnd : Buffer.concat([del.key, Buffer.of(0)]);
    dels.push({ begin: del.key, end });
  }

  const puts = new Set<string>();
  for (const op of ops) {
    if (op.requestTxn === undefined) continue;
    const then = checkWrites(op.requestTxn.success);
    const otherwise = checkWrites(op.requestTxn.failure);
    for (const k of then.puts) {
      if (puts.has(k) || deletedBy(dels, Buffer.from(k, 'latin1'))) throw new DuplicateKeyError();
      puts.add(k);
    }
    // Only one branch of the nested txn runs, so it may repeat the other's keys.
    for (const k of otherwise.puts) {
      if ((puts.has(k) && !then.puts.has(k)) || deletedBy(dels, Buffer.from(k, 'latin1'))) throw new DuplicateKeyError();
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }

  for (const op of ops) {
    if (op.requestPut === undefined) continue;
    const k = op.requestPut.key.toString('latin1');
    if (puts.has(k) || deletedBy(dels, op.requestPut.key)) throw new DuplicateKeyError();
    puts.add(k);
  }
  return { puts, dels };
}
