// The v2 store operations (get, set, create, update, compareAndSwap, delete, compareAndDelete) translated
// into v3 calls. Each write reads the nodes it depends on in one read-only transaction, decides in plain
// code exactly as etcd's v2 store would (same error codes and causes), then commits in one transaction
// guarded by "nothing I read has changed", retrying when another writer got there first.
import type { KeyValue } from '../../src/gen/mvccpb/kv';
import type { Compare, RequestOp, TxnResponse } from '../../src/gen/etcdserverpb/rpc';
import type { KvApi, LeaseApi } from '../../src/server/api';
import { V2Error, V2_CODES } from './errors';
import {
  MAX_DEPTH,
  ancestorsOf,
  baseName,
  depthOf,
  encodeAction,
  isHiddenName,
  isRoot,
  parentOf,
  type Keyspace,
  type NodePath,
} from './keyspace';
import { ExpiryLookup } from './expiry';
import { createdIndexOf, expiryAt, nodeFromKv, recordedIndex, type Expiry, type V2Event, type V2Node } from './node-json';
import {
  headerRevision,
  implicitDirs,
  inheritedLease,
  isDirKv,
  readNodeView,
  readSnapshot,
  walk,
  walkParents,
  type Snapshot,
} from './snapshot';
import { StoreStats, type StatName } from './stats';
import { deleteOp, exists, leaseIs, modRevisionIs, putOp, rangeIsEmpty, rangeOp, rangeRequest, txnOp } from './v3-ops';

export interface V2Result {
  event: V2Event;
  /** The store index after the operation (X-Etcd-Index). */
  index: bigint;
}

export interface WriteOptions {
  value: string;
  dir: boolean;
  /** Seconds; undefined makes the node permanent. */
  ttl?: bigint;
  /** Only extend the TTL: keep the value and do not wake watchers. */
  refresh: boolean;
}

/** How often a write is retried when concurrent writers keep changing what it read. */
const MAX_ATTEMPTS = 100;

const EMPTY = Buffer.alloc(0);

export class V2Store {
  private readonly expiry: ExpiryLookup;

  constructor(
    private readonly api: KvApi & LeaseApi,
    private readonly ks: Keyspace,
    private readonly now: () => number = Date.now,
    readonly stats: StoreStats = new StoreStats(),
  ) {
    this.expiry = new ExpiryLookup(api, now);
  }

  // ---- reads ----------------------------------------------------------------------------------------

  async get(path: NodePath, recursive: boolean, sorted: boolean, quorum: boolean): Promise<V2Result> {
    return this.counted('gets', async () => {
      const snap =
        (isRoot(path) ? undefined : await readNodeView(this.api, this.ks, path, !quorum)) ??
        (await readSnapshot(this.api, this.ks, path, { serializable: !quorum, children: false }));
      const target = isRoot(path) ? undefined : walk(this.ks, snap, path);
      const node: V2Node =
        target === undefined
          ? { key: '/', dir: true, modifiedIndex: 0n, createdIndex: 0n }
          : nodeFromKv(this.ks, target, snap.createdRecord);
      const kvOf = new Map<V2Node, KeyValue>();
      if (target !== undefined) kvOf.set(node, target);
      if (node.dir) {
        await this.list(path, node, kvOf, recursive, snap.rev, !quorum);
        if (sorted) sortTree(node);
      }
      await this.expiry.fill(node, kvOf, inheritedLease(snap, path));
      return { event: { action: 'get', node }, index: snap.rev };
    });
  }

  /** Fills in the visible children of `dir` (and their subtrees when recursive), read at revision `rev`. */
  private async list(
    dir: NodePath,
    dirNode: V2Node,
    kvOf: Map<V2Node, KeyValue>,
    recursive: boolean,
    rev: bigint,
    serializable: boolean,
  ): Promise<void> {
    const byPath = new Map<NodePath, V2Node>([[dir, dirNode]]);
    dirNode.nodes = [];
    const levels = recursive ? MAX_DEPTH - depthOf(dir) : 1;
    for (let level = 1; level <= levels; level++) {
      const { key, rangeEnd } = this.ks.levelRange(dir, level);
      const resp = await this.api.range(rangeRequest(key, rangeEnd, { revision: rev, serializable }));
      if (resp.kvs.length === 0) break;
      const files = new Map<NodePath, { node: V2Node; kv: KeyValue }>();
      const records: Array<{ path: NodePath; record: KeyValue }> = [];
      for (const kv of resp.kvs) {
        const recordOf = this.ks.createdRecordOf(kv.key);
        if (recordOf !== undefined) {
          records.push({ path: recordOf, record: kv });
          continue;
        }
        const node = nodeFromKv(this.ks, kv);
        // Hidden nodes are left out, and with them everything below them (their parent is never found).
        const parent = byPath.get(parentOf(node.key));
        if (parent === undefined || isHiddenName(baseName(node.key))) continue;
        (parent.nodes ??= []).push(node);
        kvOf.set(node, kv);
        if (node.dir) byPath.set(node.key, node);
        else files.set(node.key, { node, kv });
      }
      for (const { path, record } of records) {
        const file = files.get(path);
        if (file !== undefined) file.node.createdIndex = createdIndexOf(file.kv, record);
      }
    }
  }

  // ---- writes ---------------------------------------------------------------------------------------

  /** PUT without conditions: create or replace a file, or create a directory. */
  async set(path: NodePath, opts: WriteOptions): Promise<V2Result> {
    return this.counted('sets', async () => {
      if (!opts.refresh && !opts.dir && opts.ttl === undefined && !isRoot(path) && depthOf(path) <= MAX_DEPTH) {
        const done = await this.setFileInPlace(path, opts.value);
        if (done !== undefined) return done;
      }
      return this.write(path, { children: false, localFirst: !opts.refresh }, async (snap) => {
        if (isRoot(path)) throw new V2Error(V2_CODES.rootReadOnly, '/', snap.rev);
        // Only a refresh needs the node to exist already.
        const existing = opts.refresh ? walk(this.ks, snap, path) : walkParents(this.ks, snap, path);
        if (existing !== undefined && isDirKv(this.ks, existing)) throw new V2Error(V2_CODES.notFile, path, snap.rev);
        if (opts.refresh && existing !== undefined) return this.refresh(snap, path, existing, 'set', opts.ttl);
        const lease = await this.leaseFor(snap, path, opts.ttl);
        const key = opts.dir ? this.ks.dirKey(path) : this.ks.fileKey(path);
        const ops = [...implicitDirs(this.ks, snap, path), putOp(key, Buffer.from(opts.dir ? '' : opts.value), lease.id)];
        if (existing !== undefined) {
          if (opts.dir) {
            // A directory replacing a file lives under another key: the file's key has to go.
            ops.push(deleteOp(existing.key), ...this.dropCreatedRecord(snap, path));
          } else {
            // The file is replaced in place: the record dates the new node at this revision.
            ops.push(putOp(this.ks.createdKey(path), EMPTY, lease.id));
          }
        }
        ops.push(putOp(this.ks.actionKey, encodeAction('set', path), 0n));
        return {
          ops,
          result: async (resp) => {
            const rev = headerRevision(resp);
            const node = newNode(path, opts, rev, rev, lease.expiry);
            const prevNode = existing === undefined ? undefined : await this.prevNode(existing, snap, path);
            return { event: { action: 'set', node, prevNode }, index: rev };
          },
        };
      });
    });
  }

  /**
   * The common set, in one transaction: a permanent file written under directories that all exist and are
   * permanent themselves (so it inherits no lease). The compares check exactly that; when they fail
   * (a new directory, a TTL above, a directory in the way) nothing is written and the general path decides.
   */
  private async setFileInPlace(path: NodePath, value: string): Promise<V2Result | undefined> {
    const parents = ancestorsOf(path);
    const compare = parents.map((p) => exists(this.ks.dirKey(p)));
    if (parents.length > 0) compare.push(leaseIs(this.ks.dirKey(parents[parents.length - 1]), 0n));
    compare.push(modRevisionIs(this.ks.dirKey(path), 0n));
    const fileKey = this.ks.fileKey(path);
    const recordKey = this.ks.createdKey(path);
    const success = [
      rangeOp(recordKey),
      putOp(fileKey, Buffer.from(value), 0n, { prevKv: true }),
      // Only a replaced file needs the record that dates the new node.
      txnOp({ compare: [exists(fileKey)], success: [putOp(recordKey, EMPTY, 0n)], failure: [] }),
      putOp(this.ks.actionKey, encodeAction('set', path), 0n),
    ];
    const resp = await this.api.txn({ compare, success, failure: [] });
    if (!resp.succeeded) return undefined;
    const rev = headerRevision(resp);
    const prev = resp.responses[1].responsePut?.prevKv;
    const prevRecord = resp.responses[0].responseRange?.kvs[0];
    const node = newNode(path, { value, dir: false }, rev, rev);
    const prevNode = prev === undefined ? undefined : await this.nodeWithExpiry(prev, prevRecord, 0n);
    return { event: { action: 'set', node, prevNode }, index: rev };
  }

  /** PUT prevExist=false, and POST (unique: the name is the new index, zero-padded to 20 digits). */
  async create(path: NodePath, opts: WriteOptions, unique: boolean): Promise<V2Result> {
    return this.counted('creates', () =>
      this.write(path, { children: false, unique }, async (snap) => {
        const target = unique ? childPath(path, String(snap.rev + 1n).padStart(20, '0')) : path;
        if (isRoot(target)) throw new V2Error(V2_CODES.rootReadOnly, '/', snap.rev);
        walkParents(this.ks, snap, path, unique);
        if (!unique && snap.nodes.has(path)) throw new V2Error(V2_CODES.nodeExist, path, snap.rev);
        const lease = await this.leaseFor(snap, target, opts.ttl);
        const key = opts.dir ? this.ks.dirKey(target) : this.ks.fileKey(target);
        const ops = [
          ...implicitDirs(this.ks, snap, target),
          putOp(key, Buffer.from(opts.dir ? '' : opts.value), lease.id),
          putOp(this.ks.actionKey, encodeAction('create', target), 0n),
        ];
        // The predicted name is only free if nobody took it since the snapshot.
        const extraGuards = unique ? [modRevisionIs(this.ks.fileKey(target), 0n), modRevisionIs(this.ks.dirKey(target), 0n)] : [];
        return {
          ops,
          extraGuards,
          result: async (resp) => {
            const rev = headerRevision(resp);
            return { event: { action: 'create', node: newNode(target, opts, rev, rev, lease.expiry) }, index: rev };
          },
        };
      }),
    );
  }

  /** PUT prevExist=true: change an existing node's value (files) or TTL (files and directories). */
  async update(path: NodePath, opts: WriteOptions): Promise<V2Result> {
    return this.counted('updates', () =>
      this.write(path, { children: false, localFirst: !opts.refresh }, async (snap) => {
        if (isRoot(path)) throw new V2Error(V2_CODES.rootReadOnly, '/', snap.rev);
        const existing = walk(this.ks, snap, path);
        const dir = isDirKv(this.ks, existing);
        if (dir && opts.value !== '') throw new V2Error(V2_CODES.notFile, path, snap.rev);
        if (opts.refresh) return this.refresh(snap, path, existing, 'update', opts.ttl);
        return this.replaceValue(snap, path, existing, 'update', { ...opts, dir });
      }),
    );
  }

  /** PUT with prevValue and/or prevIndex. */
  async compareAndSwap(path: NodePath, prevValue: string, prevIndex: bigint, opts: WriteOptions): Promise<V2Result> {
    return this.counted('compareAndSwaps', () =>
      this.write(path, { children: false, localFirst: !opts.refresh }, async (snap) => {
        if (isRoot(path)) throw new V2Error(V2_CODES.rootReadOnly, '/', snap.rev);
        const existing = walk(this.ks, snap, path);
        if (isDirKv(this.ks, existing)) throw new V2Error(V2_CODES.notFile, path, snap.rev);
        this.checkCompare(existing, prevValue, prevIndex, snap.rev);
        if (opts.refresh) return this.refresh(snap, path, existing, 'compareAndSwap', opts.ttl);
        return this.replaceValue(snap, path, existing, 'compareAndSwap', { ...opts, dir: false });
      }),
    );
  }

  async delete(path: NodePath, dir: boolean, recursive: boolean): Promise<V2Result> {
    return this.counted('deletes', () =>
      this.write(path, { children: true }, async (snap) => {
        if (isRoot(path)) throw new V2Error(V2_CODES.rootReadOnly, '/', snap.rev);
        const existing = walk(this.ks, snap, path);
        const isDir = isDirKv(this.ks, existing);
        const ops: RequestOp[] = [deleteOp(existing.key), ...this.dropCreatedRecord(snap, path)];
        const extraGuards: Compare[] = [];
        if (isDir) {
          if (!dir && !recursive) throw new V2Error(V2_CODES.notFile, path, snap.rev);
          if (!recursive && snap.hasChildren) throw new V2Error(V2_CODES.dirNotEmpty, path, snap.rev);
          const children = this.ks.levelRange(path, 1);
          if (recursive) {
            for (let level = 1; level <= MAX_DEPTH - depthOf(path); level++) {
              const r = this.ks.levelRange(path, level);
              ops.push(deleteOp(r.key, r.rangeEnd, false));
            }
          } else {
            extraGuards.push(rangeIsEmpty(children.key, children.rangeEnd));
          }
        }
        ops.push(putOp(this.ks.actionKey, encodeAction('delete', path), 0n));
        return {
          ops,
          extraGuards,
          result: (resp) => this.deletionResult('delete', snap, path, existing, resp),
        };
      }),
    );
  }

  /** DELETE with prevValue and/or prevIndex: files only. */
  async compareAndDelete(path: NodePath, prevValue: string, prevIndex: bigint): Promise<V2Result> {
    return this.counted('compareAndDeletes', () =>
      this.write(path, { children: false }, async (snap) => {
        // The root is a directory like any other here: etcd answers "Not a file", not "Root is read only".
        if (isRoot(path)) throw new V2Error(V2_CODES.notFile, '/', snap.rev);
        const existing = walk(this.ks, snap, path);
        if (isDirKv(this.ks, existing)) throw new V2Error(V2_CODES.notFile, path, snap.rev);
        this.checkCompare(existing, prevValue, prevIndex, snap.rev);
        return {
          ops: [
            deleteOp(existing.key),
            ...this.dropCreatedRecord(snap, path),
            putOp(this.ks.actionKey, encodeAction('compareAndDelete', path), 0n),
          ],
          result: (resp) => this.deletionResult('compareAndDelete', snap, path, existing, resp),
        };
      }),
    );
  }

  // ---- the pieces -----------------------------------------------------------------------------------

  private async counted(name: StatName, run: () => Promise<V2Result>): Promise<V2Result> {
    try {
      const result = await run();
      this.stats.success(name);
      return result;
    } catch (err) {
      this.stats.fail(name);
      throw err;
    }
  }

  /**
   * Runs one optimistic write: `plan` decides from a snapshot (throwing v2 errors as etcd would), the ops
   * commit only if nothing read has changed, and otherwise the whole thing starts over.
   *
   * The first snapshot is a local (serializable) read: a commit is checked against the state it applies to
   * anyway, so a stale snapshot can only cost a retry. Any answer that does not come from such a commit (an
   * error, a refresh that only renewed a lease) is decided again on a linearizable snapshot before it is
   * given, so it is never based on stale data.
   */
  private async write(
    path: NodePath,
    // A refresh may answer by renewing a lease without committing anything: it reads linearizably at once.
    opts: { children: boolean; unique?: boolean; localFirst?: boolean },
    plan: (snap: Snapshot) => Promise<Plan | RefreshDone>,
  ): Promise<V2Result> {
    if (depthOf(path) + (opts.unique === true ? 1 : 0) > MAX_DEPTH) {
      throw new V2Error(V2_CODES.invalidField, `key is nested deeper than ${MAX_DEPTH} levels`, 0n);
    }
    let serializable = opts.localFirst ?? true;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const snap = await readSnapshot(this.api, this.ks, path, { serializable, children: opts.children });
      let decided: Plan | RefreshDone;
      try {
        decided = await plan(snap);
      } catch (err) {
        if (serializable && err instanceof V2Error) {
          serializable = false;
          continue;
        }
        throw err;
      }
      if ('done' in decided) return decided.done;
      const guards = [...snap.guards, ...(decided.extraGuards ?? [])];
      // In-order keys must follow commit order: any other v2 write in between means a fresh name.
      if (opts.unique === true) guards.push(modRevisionIs(this.ks.actionKey, snap.actionModRevision));
      const resp = await this.api.txn({ compare: guards, success: decided.ops, failure: [] });
      if (resp.succeeded) return decided.result(resp);
      serializable = false;
    }
    throw new V2Error(V2_CODES.raftInternal, 'too many concurrent writers, giving up', 0n);
  }

  /** The lease a node written at `path` gets: a new one for a TTL, otherwise the one it inherits. */
  private async leaseFor(snap: Snapshot, path: NodePath, ttl: bigint | undefined): Promise<{ id: bigint; expiry?: Expiry }> {
    if (ttl === undefined) return { id: inheritedLease(snap, path) };
    const granted = this.now();
    const resp = await this.api.leaseGrant({ TTL: ttl, ID: 0n });
    return { id: resp.ID, expiry: expiryAt(granted + Number(ttl) * 1000, granted) };
  }

  private checkCompare(kv: KeyValue, prevValue: string, prevIndex: bigint, rev: bigint): void {
    const value = kv.value.toString();
    const indexMatch = prevIndex === 0n || kv.modRevision === prevIndex;
    const valueMatch = prevValue === '' || value === prevValue;
    if (indexMatch && valueMatch) return;
    let cause: string;
    if (indexMatch) cause = `[${prevValue} != ${value}]`;
    else if (valueMatch) cause = `[${prevIndex} != ${kv.modRevision}]`;
    else cause = `[${prevValue} != ${value}] [${prevIndex} != ${kv.modRevision}]`;
    throw new V2Error(V2_CODES.testFailed, cause, rev);
  }

  /** Update and compareAndSwap: a new value (and lease) for a node that stays where it is. */
  private async replaceValue(
    snap: Snapshot,
    path: NodePath,
    existing: KeyValue,
    action: string,
    opts: WriteOptions,
  ): Promise<Plan> {
    const lease = await this.leaseFor(snap, path, opts.ttl);
    return {
      ops: [
        putOp(existing.key, Buffer.from(opts.dir ? '' : opts.value), lease.id),
        ...this.keepCreatedRecord(snap, path, existing, lease.id),
        ...(await this.moveInheritors(path, existing, lease.id)),
        putOp(this.ks.actionKey, encodeAction(action, path), 0n),
      ],
      result: async (resp) => {
        const rev = headerRevision(resp);
        const node = newNode(path, opts, rev, createdIndexOf(existing, snap.createdRecord), lease.expiry);
        return { event: { action, node, prevNode: await this.prevNode(existing, snap, path) }, index: rev };
      },
    };
  }

  /**
   * A directory changing lease takes along the nodes below it that borrowed its old one, so that they keep
   * living exactly as long as the directory (a directory made permanent must not lose its children when the
   * old lease runs out). They are rewritten in the same transaction; watchers only hear about the directory.
   */
  private async moveInheritors(path: NodePath, existing: KeyValue, newLease: bigint): Promise<RequestOp[]> {
    if (existing.lease === 0n || existing.lease === newLease || !isDirKv(this.ks, existing)) return [];
    const ops: RequestOp[] = [];
    for (let level = 1; level <= MAX_DEPTH - depthOf(path); level++) {
      const { key, rangeEnd } = this.ks.levelRange(path, level);
      const resp = await this.api.range(rangeRequest(key, rangeEnd));
      if (resp.kvs.length === 0) break;
      for (const kv of resp.kvs) {
        if (kv.lease !== existing.lease) continue;
        // A creation record dated by its own revision would move with this write: it keeps its index spelled out.
        if (this.ks.createdRecordOf(kv.key) !== undefined) ops.push(putOp(kv.key, recordValue(kv), newLease));
        else ops.push(putOp(kv.key, EMPTY, newLease, { ignoreValue: true }));
      }
    }
    return ops;
  }

  /**
   * refresh=true: only the TTL changes and watchers are not told. When the TTL stays the same the lease is
   * simply kept alive, which also keeps alive everything that inherited it; otherwise the node moves to a
   * new lease with a write the watchers skip.
   */
  private async refresh(
    snap: Snapshot,
    path: NodePath,
    existing: KeyValue,
    action: string,
    ttl: bigint | undefined,
  ): Promise<Plan | RefreshDone> {
    if (ttl === undefined) throw new V2Error(V2_CODES.refreshTTLRequired, 'No TTL value set', 0n);
    const node = nodeFromKv(this.ks, existing, snap.createdRecord);
    const prevNode = await this.prevNode(existing, snap, path);
    const parentLease = inheritedLease(snap, path);
    if (existing.lease !== 0n && existing.lease !== parentLease) {
      const live = await this.api.leaseTimeToLive({ ID: existing.lease, keys: false });
      if (live.TTL >= 0n && live.grantedTTL === ttl) {
        const renewedAt = this.now();
        const newTtl = await this.api.leaseRenew(existing.lease);
        node.expiry = expiryAt(renewedAt + Number(newTtl) * 1000, renewedAt);
        return { done: { event: { action, node, prevNode }, index: snap.rev } };
      }
    }
    const lease = await this.leaseFor(snap, path, ttl);
    return {
      ops: [
        putOp(existing.key, EMPTY, lease.id, { ignoreValue: true }),
        ...this.keepCreatedRecord(snap, path, existing, lease.id),
        ...(await this.moveInheritors(path, existing, lease.id)),
        putOp(this.ks.actionKey, encodeAction('refresh', path), 0n),
      ],
      result: async (resp) => {
        const rev = headerRevision(resp);
        node.expiry = lease.expiry;
        node.modifiedIndex = rev;
        return { event: { action, node, prevNode }, index: rev };
      },
    };
  }

  private async deletionResult(
    action: string,
    snap: Snapshot,
    path: NodePath,
    existing: KeyValue,
    resp: TxnResponse,
  ): Promise<V2Result> {
    const rev = headerRevision(resp);
    const dir = isDirKv(this.ks, existing);
    const node: V2Node = { key: path, dir, modifiedIndex: rev, createdIndex: createdIndexOf(existing, snap.createdRecord) };
    return { event: { action, node, prevNode: await this.prevNode(existing, snap, path) }, index: rev };
  }

  /**
   * A write that keeps the node (update, compareAndSwap, refresh) rewrites its creation record too, with the
   * node's lease and its index spelled out, so that the record lives exactly as long as the file and every
   * v3 event of the write carries the createdIndex.
   */
  private keepCreatedRecord(snap: Snapshot, path: NodePath, existing: KeyValue, lease: bigint): RequestOp[] {
    const record = snap.createdRecord;
    if (record === undefined || createdIndexOf(existing, record) === existing.createRevision) return [];
    return [putOp(this.ks.createdKey(path), recordValue(record), lease)];
  }

  /** A node going away takes its creation record with it. */
  private dropCreatedRecord(snap: Snapshot, path: NodePath): RequestOp[] {
    return snap.createdRecord === undefined ? [] : [deleteOp(this.ks.createdKey(path))];
  }

  /** The node a write replaces or removes, as its response's prevNode (`kv` is the snapshot's target). */
  private prevNode(kv: KeyValue, snap: Snapshot, path: NodePath): Promise<V2Node> {
    return this.nodeWithExpiry(kv, snap.createdRecord, inheritedLease(snap, path));
  }

  private async nodeWithExpiry(kv: KeyValue, createdRecord: KeyValue | undefined, parentLease: bigint): Promise<V2Node> {
    const node = nodeFromKv(this.ks, kv, createdRecord);
    await this.expiry.fill(node, new Map([[node, kv]]), parentLease);
    return node;
  }
}

interface Plan {
  ops: RequestOp[];
  extraGuards?: Compare[];
  result: (resp: TxnResponse) => Promise<V2Result>;
}

/** A refresh answered without writing anything. */
interface RefreshDone {
  done: V2Result;
}

function newNode(path: NodePath, opts: { value: string; dir: boolean }, rev: bigint, created: bigint, expiry?: Expiry): V2Node {
  return {
    key: path,
    value: opts.dir ? undefined : opts.value,
    dir: opts.dir,
    expiry,
    modifiedIndex: rev,
    createdIndex: created,
  };
}

function recordValue(record: KeyValue): Buffer {
  return Buffer.from(String(recordedIndex(record)));
}

function childPath(dir: NodePath, name: string): NodePath {
  return isRoot(dir) ? `/${name}` : `${dir}/${name}`;
}

function sortTree(node: V2Node): void {
  if (node.nodes === undefined) return;
  node.nodes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const child of node.nodes) sortTree(child);
}
