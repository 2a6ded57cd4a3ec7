// Where the v2 tree lives in the v3 keyspace. Every v2 node is one v3 key under a reserved prefix:
//
//   <prefix>n/<depth, 3 digits><path>      a file, e.g. "/v2/n/002/dir/file"
//   <prefix>n/<depth, 3 digits><path>/     a directory marker, e.g. "/v2/n/001/dir/"
//   <prefix>n/<depth, 3 digits><path>//    a file's creation record, present once a set replaced the file
//   <prefix>action                         rewritten by every v2 write: which action, on which path
//
// Putting the depth first makes the direct children of a directory one contiguous range (depth + 1,
// path + "/"), so a listing never reads the whole subtree. The action key lets watchers tell "set" from
// "update" or "compareAndSwap", which all look like a v3 put; a deletion without it was a lease expiring.
// A v2 set over a file makes a new node (new createdIndex) but the v3 key keeps its create revision, and one
// transaction cannot delete and put the same key; so the set also writes the creation record, whose mod
// revision is the new node's createdIndex. Cleaned paths never contain "//", so no node collides with it.
import { posix } from 'node:path';
import { prefixEnd } from '../../src/mvcc/key-range';

export const DEFAULT_V2_PREFIX = '/tetcd/v2/';

/**
 * Deepest node the gateway stores: keeps every transaction within etcd's 128 operations (a delete reads
 * two keys per level, the action key, the creation record and the children count).
 */
export const MAX_DEPTH = 62;

/** A cleaned v2 path: "/" or "/a/b", never a trailing slash. */
export type NodePath = string;

/** Go's path.Clean(path.Join("/", p)): what etcd does to every key path. */
export function cleanPath(p: string): NodePath {
  const joined = posix.normalize(`/${p}`);
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

export function isRoot(p: NodePath): boolean {
  return p === '/';
}

export function depthOf(p: NodePath): number {
  return isRoot(p) ? 0 : p.split('/').length - 1;
}

export function parentOf(p: NodePath): NodePath {
  return posix.dirname(p);
}

export function baseName(p: NodePath): string {
  return posix.basename(p);
}

/** Ancestors from the top down, the root excluded: "/a/b/c" → ["/a", "/a/b"]. */
export function ancestorsOf(p: NodePath): NodePath[] {
  const parts = p.split('/').slice(1, -1);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/** v2 hides names starting with "_" from listings and from watchers of the directories above them. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('_');
}

export class Keyspace {
  private readonly nodesPrefix: string;
  readonly actionKey: Buffer;

  constructor(readonly prefix: string = DEFAULT_V2_PREFIX) {
    this.nodesPrefix = `${prefix}n/`;
    this.actionKey = Buffer.from(`${prefix}action`);
  }

  private depthPrefix(depth: number): string {
    return `${this.nodesPrefix}${String(depth).padStart(3, '0')}`;
  }

  fileKey(p: NodePath): Buffer {
    return Buffer.from(this.depthPrefix(depthOf(p)) + p);
  }

  dirKey(p: NodePath): Buffer {
    return Buffer.from(`${this.depthPrefix(depthOf(p)) + p}/`);
  }

  /** The creation record of file `p`; it shares the file's depth range, lease and fate. */
  createdKey(p: NodePath): Buffer {
    return Buffer.from(`${this.depthPrefix(depthOf(p)) + p}//`);
  }

  /** The file a creation record belongs to, or undefined for any other key. */
  createdRecordOf(key: Buffer): NodePath | undefined {
    const s = key.toString();
    if (!s.startsWith(this.nodesPrefix) || !s.endsWith('//')) return undefined;
    return s.slice(this.nodesPrefix.length + 3, -2);
  }

  /** The range holding the nodes `levels` below directory `p` (1 = its children). */
  levelRange(p: NodePath, levels: number): { key: Buffer; rangeEnd: Buffer } {
    const under = isRoot(p) ? '/' : `${p}/`;
    const key = Buffer.from(this.depthPrefix(depthOf(p) + levels) + under);
    return { key, rangeEnd: prefixEnd(key) };
  }

  /** Every key of the v2 tree (what a v2 watcher subscribes to), the action key included. */
  allKeys(): { key: Buffer; rangeEnd: Buffer } {
    const key = Buffer.from(this.prefix);
    return { key, rangeEnd: prefixEnd(key) };
  }

  /** The node a v3 key stands for, or undefined for keys that are not nodes (the action key, foreign keys). */
  nodeOf(key: Buffer): { path: NodePath; dir: boolean } | undefined {
    const s = key.toString();
    if (!s.startsWith(this.nodesPrefix)) return undefined;
    const rest = s.slice(this.nodesPrefix.length + 3);
    if (!rest.startsWith('/') || rest.endsWith('//')) return undefined;
    const dir = rest.length > 1 && rest.endsWith('/');
    return { path: dir ? rest.slice(0, -1) : rest, dir };
  }
}

/** What the action key records: the v2 action and the node it applied to. */
export function encodeAction(action: string, p: NodePath): Buffer {
  return Buffer.from(`${action} ${p}`);
}

export function decodeAction(value: Buffer): { action: string; path: NodePath } {
  const s = value.toString();
  const space = s.indexOf(' ');
  return space < 0 ? { action: s, path: '' } : { action: s.slice(0, space), path: s.slice(space + 1) };
}
