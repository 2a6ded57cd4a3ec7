// The JSON etcd's v2 API prints for nodes and events. Field order and omission follow etcd's Go structs
// (omitempty everywhere except a present-but-empty value), so byte-for-byte comparisons with etcd hold.
import type { KeyValue } from '../../src/gen/mvccpb/kv';
import type { Keyspace, NodePath } from './keyspace';

export interface Expiry {
  /** RFC 3339 UTC time the node expires. */
  expiration: string;
  /** Whole seconds left, rounded up. */
  ttl: number;
}

export interface V2Node {
  /** The root directory is printed without a key. */
  key: NodePath;
  /** Absent for directories; an empty string is still printed for files. */
  value?: string;
  dir: boolean;
  expiry?: Expiry;
  /** Children, only for directories that were listed. */
  nodes?: V2Node[];
  modifiedIndex: bigint;
  createdIndex: bigint;
}

export interface V2Event {
  action: string;
  node?: V2Node;
  prevNode?: V2Node;
}

/**
 * A node as stored: v2 never changes a directory's modifiedIndex after creating it. `createdRecord` is the
 * file's creation record (keyspace.ts), if it has one.
 */
export function nodeFromKv(ks: Keyspace, kv: KeyValue, createdRecord?: KeyValue): V2Node {
  const where = ks.nodeOf(kv.key);
  if (where === undefined) throw new Error(`not a v2 node key: ${kv.key.toString()}`);
  return {
    key: where.path,
    value: where.dir ? undefined : kv.value.toString(),
    dir: where.dir,
    modifiedIndex: where.dir ? kv.createRevision : kv.modRevision,
    createdIndex: createdIndexOf(kv, createdRecord),
  };
}

/**
 * A creation record written with an empty value dates the node at its own mod revision (the set that wrote
 * it); later rewrites that only move it along (new lease, update) carry the index as their value. A record
 * older than the key itself is left over from an earlier node and does not count.
 */
export function createdIndexOf(kv: KeyValue, createdRecord: KeyValue | undefined): bigint {
  if (createdRecord === undefined) return kv.createRevision;
  const recorded = recordedIndex(createdRecord);
  return recorded > kv.createRevision ? recorded : kv.createRevision;
}

/** The value to write when moving a creation record: the index it stands for, spelled out. */
export function recordedIndex(createdRecord: KeyValue): bigint {
  return createdRecord.value.length === 0 ? createdRecord.modRevision : BigInt(createdRecord.value.toString());
}

/** Go's time.RFC3339Nano: fraction digits without trailing zeros, none at all for whole seconds. */
export function rfc3339(ms: number): string {
  const iso = new Date(ms).toISOString();
  const [whole, fraction] = iso.slice(0, -1).split('.');
  const digits = (fraction ?? '').replace(/0+$/, '');
  return `${whole}${digits === '' ? '' : `.${digits}`}Z`;
}

export function expiryAt(expiresAtMs: number, nowMs: number): Expiry {
  return { expiration: rfc3339(expiresAtMs), ttl: Math.max(0, Math.ceil((expiresAtMs - nowMs) / 1000)) };
}

function nodeObject(n: V2Node): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (n.key !== '/') o.key = n.key;
  if (n.value !== undefined) o.value = n.value;
  if (n.dir) o.dir = true;
  if (n.expiry !== undefined) {
    o.expiration = n.expiry.expiration;
    if (n.expiry.ttl !== 0) o.ttl = n.expiry.ttl;
  }
  if (n.nodes !== undefined && n.nodes.length > 0) o.nodes = n.nodes.map(nodeObject);
  if (n.modifiedIndex !== 0n) o.modifiedIndex = Number(n.modifiedIndex);
  if (n.createdIndex !== 0n) o.createdIndex = Number(n.createdIndex);
  return o;
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON.stringify with Go's encoding/json escaping of HTML-significant characters and line separators. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]);
}

/** One event as etcd encodes it, newline-terminated like Go's json.Encoder. */
export function renderEvent(ev: V2Event): string {
  const o: Record<string, unknown> = { action: ev.action };
  if (ev.node !== undefined) o.node = nodeObject(ev.node);
  if (ev.prevNode !== undefined) o.prevNode = nodeObject(ev.prevNode);
  return `${goJson(o)}\n`;
}
