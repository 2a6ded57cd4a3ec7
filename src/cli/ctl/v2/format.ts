// etcdctl v2's output of a keys response in its three formats (simple, extended, json).
import type { Output } from '../printers';
import type { V2Output } from './options';

/** A node of the v2 keys API as the server sends it. */
export interface V2Node {
  key?: string;
  dir?: boolean;
  value?: string;
  nodes?: V2Node[];
  createdIndex?: number;
  modifiedIndex?: number;
  expiration?: string;
  ttl?: number;
}

export interface V2Response {
  action: string;
  node: V2Node;
  prevNode?: V2Node;
  /** From the X-Etcd-Index header. */
  index: number;
}

/** Go's json.Marshal of the client library's Node: every field in its order, `nodes` null when empty. */
function nodeJson(n: V2Node): Record<string, unknown> {
  const out: Record<string, unknown> = { key: n.key ?? '' };
  if (n.dir) out.dir = true;
  out.value = n.value ?? '';
  out.nodes = n.nodes && n.nodes.length > 0 ? n.nodes.map(nodeJson) : null;
  out.createdIndex = n.createdIndex ?? 0;
  out.modifiedIndex = n.modifiedIndex ?? 0;
  if (n.expiration) out.expiration = n.expiration;
  if (n.ttl) out.ttl = n.ttl;
  return out;
}

export function printResponse(o: Output, format: V2Output, r: V2Response): void {
  const line = (s: string): void => o.out(s + '\n');
  switch (format) {
    case 'simple':
      if (r.action !== 'delete') line(r.node.value ?? '');
      else line(`PrevNode.Value: ${r.prevNode?.value ?? ''}`);
      return;
    case 'extended':
      line(`Key: ${r.node.key ?? ''}`);
      line(`Created-Index: ${r.node.createdIndex ?? 0}`);
      line(`Modified-Index: ${r.node.modifiedIndex ?? 0}`);
      if (r.prevNode) line(`PrevNode.Value: ${r.prevNode.value ?? ''}`);
      line(`TTL: ${r.node.ttl ?? 0}`);
      line(`Index: ${r.index}`);
      if (r.action !== 'delete') {
        line('');
        line(r.node.value ?? '');
      }
      return;
    case 'json':
      line(
        JSON.stringify({ action: r.action, node: nodeJson(r.node), prevNode: r.prevNode ? nodeJson(r.prevNode) : null })
          .replace(/</g, '\\u003c')
          .replace(/>/g, '\\u003e')
          .replace(/&/g, '\\u0026'),
      );
  }
}
