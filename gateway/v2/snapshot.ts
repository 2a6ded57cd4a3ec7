// What a v2 operation reads before deciding: a path, its ancestors and the action key, in one read-only
// transaction, plus the guards that make a later write fail if any of it changed. Also the tree walks that
// turn such a snapshot into etcd's errors (missing component, file in the way).
import type { KeyValue } from '../../src/gen/mvccpb/kv';
import type { Compare, RequestOp } from '../../src/gen/etcdserverpb/rpc';
import type { KvApi } from '../../src/server/api';
import { V2Error, V2_CODES } from './errors';
import { ancestorsOf, isRoot, type Keyspace, type NodePath } from './keyspace';
import { modRevisionIs, putOp, rangeOp } from './v3-ops';

const EMPTY = Buffer.alloc(0);

/** A path and the directories above it, as read at one revision. */
export interface NodeView {
  rev: bigint;
  /** Node path → the key holding it (file or directory marker); missing paths are absent. */
  nodes: Map<NodePath, KeyValue>;
  /** The target file's creation record, if it has one. */
  createdRecord?: KeyValue;
}

/** What a write decides from: a NodeView with everything needed to commit only if none of it changed. */
export interface Snapshot extends NodeView {
  /** Guards that fail the write if any key read here has changed since. */
  guards: Compare[];
  actionModRevision: bigint;
  /** Whether the target directory had any child (hidden ones included), when asked. */
  hasChildren: boolean;
}

export function isDirKv(ks: Keyspace, kv: KeyValue | undefined): boolean {
  return kv !== undefined && ks.nodeOf(kv.key)?.dir === true;
}

export function headerRevision(resp: { header?: { revision: bigint } }): bigint {
  return resp.header?.revision ?? 0n;
}

/**
 * Reads `path`, its ancestors, the action key and the target's creation record (and whether `path` has
 * children) in one transaction.
 */
export async function readSnapshot(
  api: KvApi,
  ks: Keyspace,
  path: NodePath,
  opts: { serializable: boolean; children: boolean },
): Promise<Snapshot> {
  const paths = isRoot(path) ? [] : [...ancestorsOf(path), path];
  const keys = paths.flatMap((p) => [ks.fileKey(p), ks.dirKey(p)]);
  const ops = keys.map((k) => rangeOp(k, EMPTY, { serializable: opts.serializable }));
  ops.push(rangeOp(ks.actionKey, EMPTY, { serializable: opts.serializable }));
  if (!isRoot(path)) ops.push(rangeOp(ks.createdKey(path), EMPTY, { serializable: opts.serializable }));
  if (opts.children) {
    const r = ks.levelRange(path, 1);
    ops.push(rangeOp(r.key, r.rangeEnd, { serializable: opts.serializable, countOnly: true }));
  }
  const resp = await api.txn({ compare: [], success: ops, failure: [] });
  const nodes = new Map<NodePath, KeyValue>();
  const guards: Compare[] = [];
  keys.forEach((key, i) => {
    const kv = resp.responses[i].responseRange?.kvs[0];
    guards.push(modRevisionIs(key, kv?.modRevision ?? 0n));
    // Were both a file and a directory ever stored for one path, the directory wins, as it hides the file.
    if (kv !== undefined && (!nodes.has(paths[i >> 1]) || i % 2 === 1)) nodes.set(paths[i >> 1], kv);
  });
  let next = keys.length;
  const actionKv = resp.responses[next++].responseRange?.kvs[0];
  const createdRecord = isRoot(path) ? undefined : resp.responses[next++].responseRange?.kvs[0];
  const hasChildren = opts.children && (resp.responses[next].responseRange?.count ?? 0n) > 0n;
  return {
    rev: headerRevision(resp),
    nodes,
    guards,
    actionModRevision: actionKv?.modRevision ?? 0n,
    hasChildren,
    createdRecord,
  };
}

/**
 * What a read needs, in fewer range reads than a snapshot: the directory keys above `path` and the target's
 * keys. Undefined when a directory above is missing: only a full snapshot tells which error that is.
 */
export async function readNodeView(api: KvApi, ks: Keyspace, path: NodePath, serializable: boolean): Promise<NodeView | undefined> {
  const above = ancestorsOf(path);
  const ops = above.map((p) => rangeOp(ks.dirKey(p), EMPTY, { serializable }));
  for (const key of [ks.fileKey(path), ks.dirKey(path), ks.createdKey(path)]) ops.push(rangeOp(key, EMPTY, { serializable }));
  const resp = await api.txn({ compare: [], success: ops, failure: [] });
  const kvAt = (i: number) => resp.responses[i].responseRange?.kvs[0];
  const nodes = new Map<NodePath, KeyValue>();
  for (let i = 0; i < above.length; i++) {
    const kv = kvAt(i);
    if (kv === undefined) return undefined;
    nodes.set(above[i], kv);
  }
  const target = kvAt(above.length + 1) ?? kvAt(above.length);
  if (target !== undefined) nodes.set(path, target);
  return { rev: headerRevision(resp), nodes, createdRecord: kvAt(above.length + 2) };
}

/**
 * Checks the path above `path` the way v2 walks it: a file on the way is an error; missing directories
 * are fine (writes create them). Returns the node at `path` itself, if any.
 */
export function walkParents(ks: Keyspace, snap: NodeView, path: NodePath, includeSelf = false): KeyValue | undefined {
  const above = includeSelf ? [...ancestorsOf(path), path] : ancestorsOf(path);
  for (const p of above) {
    const kv = snap.nodes.get(p);
    if (kv === undefined) break;
    if (!isDirKv(ks, kv)) throw new V2Error(V2_CODES.notDir, p, snap.rev);
  }
  return snap.nodes.get(path);
}

/** Looks up `path` (not the root) like v2's internalGet: the first missing or non-directory component is the error. */
export function walk(ks: Keyspace, snap: NodeView, path: NodePath): KeyValue {
  for (const p of ancestorsOf(path)) {
    const kv = snap.nodes.get(p);
    if (kv === undefined) throw new V2Error(V2_CODES.keyNotFound, p, snap.rev);
    if (!isDirKv(ks, kv)) throw new V2Error(V2_CODES.notDir, p, snap.rev);
  }
  const kv = snap.nodes.get(path);
  if (kv === undefined) throw new V2Error(V2_CODES.keyNotFound, path, snap.rev);
  return kv;
}

/**
 * The lease of the nearest existing directory above `path`. Nodes written without a TTL take it, so that a
 * directory expiring takes its whole subtree with it as in v2.
 */
export function inheritedLease(snap: NodeView, path: NodePath): bigint {
  let lease = 0n;
  for (const p of ancestorsOf(path)) {
    const kv = snap.nodes.get(p);
    if (kv === undefined) break;
    lease = kv.lease;
  }
  return lease;
}

/** Puts for the directories above `path` that do not exist yet, each with the lease it inherits. */
export function implicitDirs(ks: Keyspace, snap: Snapshot, path: NodePath): RequestOp[] {
  const ops: RequestOp[] = [];
  let lease = 0n;
  for (const p of ancestorsOf(path)) {
    const kv = snap.nodes.get(p);
    if (kv !== undefined) lease = kv.lease;
    else ops.push(putOp(ks.dirKey(p), EMPTY, lease));
  }
  return ops;
}
