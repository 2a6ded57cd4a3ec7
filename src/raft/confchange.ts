import { ConfChange, ConfChangeType } from './types';

// Layout of a ConfChange inside an entry's data: [type: u8][nodeId: u64 big-endian][context...].
// Fixed-size header so decoding needs no length prefixes.
const HEADER = 9;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const out = new Uint8Array(HEADER + cc.context.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, cc.type);
  view.setBigUint64(1, cc.nodeId);
  out.set(cc.context, HEADER);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < HEADER) throw new Error(`raft: conf change too short (${data.length} bytes)`);
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const type = view.getUint8(0);
  if (!(type in ConfChangeType)) throw new Error(`raft: unknown conf change type ${type}`);
  return { type, nodeId: view.getBigUint64(1), context: data.slice(HEADER) };
}
