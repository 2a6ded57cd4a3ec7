// The rows etcdctl's simple and table printers share for list-like results.
import { AlarmType, type MemberListResponse } from '../../../gen/etcdserverpb/rpc';
import { humanizeBytes, hexId } from '../go-format';
import type { EndpointHashKV, EndpointHealth, EndpointStatus, SnapshotStatus } from './types';

export type Rows = { header: string[]; rows: string[][] };

export function memberListRows(r: MemberListResponse): Rows {
  return {
    header: ['ID', 'Status', 'Name', 'Peer Addrs', 'Client Addrs', 'Is Learner'],
    rows: r.members.map((m) => [
      hexId(m.ID),
      m.name === '' ? 'unstarted' : 'started',
      m.name,
      m.peerURLs.join(','),
      m.clientURLs.join(','),
      String(m.isLearner),
    ]),
  };
}

export function endpointHealthRows(list: EndpointHealth[]): Rows {
  return {
    header: ['endpoint', 'health', 'took', 'error'],
    rows: list.map((h) => [h.endpoint, String(h.health), h.took, h.error]),
  };
}

export function endpointStatusRows(list: EndpointStatus[]): Rows {
  return {
    header: ['endpoint', 'ID', 'version', 'db size', 'is leader', 'is learner', 'raft term', 'raft index', 'raft applied index', 'errors'],
    rows: list.map(({ endpoint, status: s }) => [
      endpoint,
      hexId(s.header?.memberId ?? 0n),
      s.version,
      humanizeBytes(Number(s.dbSize)),
      String(s.leader === (s.header?.memberId ?? 0n)),
      String(s.isLearner),
      String(s.raftTerm),
      String(s.raftIndex),
      String(s.raftAppliedIndex),
      s.errors.join(', '),
    ]),
  };
}

export function endpointHashKVRows(list: EndpointHashKV[]): Rows {
  return { header: ['endpoint', 'hash'], rows: list.map((h) => [h.endpoint, String(h.hashKV.hash)]) };
}

export function snapshotStatusRows(s: SnapshotStatus): Rows {
  return {
    header: ['hash', 'revision', 'total keys', 'total size'],
    rows: [[s.hash.toString(16), String(s.revision), String(s.totalKey), humanizeBytes(s.totalSize)]],
  };
}

export function alarmName(a: AlarmType): string {
  return AlarmType[a] ?? String(a);
}
