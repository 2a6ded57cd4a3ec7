// Raft's in-memory messages <-> the peer protocol's protobuf messages (src/gen/tetcdpb/raft.ts).
// Raft keeps terms and indexes as numbers; the wire has uint64, generated as bigint.
import type { ConfState, Entry, Message, SnapshotMetadata } from '../raft/types';
import type { RaftConfState, RaftEntry, RaftMessage, RaftSnapshotMetadata } from '../gen/tetcdpb/raft';

/** The generated code types bytes as Buffer; a view over the same memory avoids a copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function entryToProto(e: Entry): RaftEntry {
  return { term: BigInt(e.term), index: BigInt(e.index), type: e.type, data: asBuffer(e.data) };
}

function entryFromProto(p: RaftEntry): Entry {
  return { term: Number(p.term), index: Number(p.index), type: p.type, data: p.data };
}

function confStateToProto(cs: ConfState): RaftConfState {
  return { voters: cs.voters, learners: cs.learners };
}

function confStateFromProto(p: RaftConfState | undefined): ConfState {
  return { voters: p?.voters ?? [], learners: p?.learners ?? [] };
}

function metadataToProto(md: SnapshotMetadata): RaftSnapshotMetadata {
  return { index: BigInt(md.index), term: BigInt(md.term), confState: confStateToProto(md.confState) };
}

function metadataFromProto(p: RaftSnapshotMetadata): SnapshotMetadata {
  return { index: Number(p.index), term: Number(p.term), confState: confStateFromProto(p.confState) };
}

/** Encodes everything but a snapshot's data, which travels separately (see SendSnapshot). */
export function messageToProto(m: Message): RaftMessage {
  const p: RaftMessage = {
    type: m.type,
    to: m.to,
    from: m.from,
    term: BigInt(m.term),
    logTerm: BigInt(m.logTerm),
    index: BigInt(m.index),
    entries: m.entries.map(entryToProto),
    commit: BigInt(m.commit),
    reject: m.reject,
    rejectHint: BigInt(m.rejectHint),
  };
  if (m.snapshot !== undefined) p.snapshot = metadataToProto(m.snapshot.metadata);
  if (m.context !== undefined) p.context = asBuffer(m.context);
  return p;
}

/** `snapshotData` is the data received after a MsgSnap; an empty snapshot otherwise. */
export function messageFromProto(p: RaftMessage, snapshotData?: Uint8Array): Message {
  const m: Message = {
    type: p.type,
    to: p.to,
    from: p.from,
    term: Number(p.term),
    logTerm: Number(p.logTerm),
    index: Number(p.index),
    entries: p.entries.map(entryFromProto),
    commit: Number(p.commit),
    reject: p.reject,
    rejectHint: Number(p.rejectHint),
  };
  if (p.snapshot !== undefined) {
    m.snapshot = { metadata: metadataFromProto(p.snapshot), data: snapshotData ?? new Uint8Array(0) };
  }
  if (p.context !== undefined) m.context = p.context;
  return m;
}
