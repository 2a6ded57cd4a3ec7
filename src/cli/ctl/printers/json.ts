// `-w json`: Go's encoding/json of the structs etcdctl prints (proto field names, omitempty, exact 64-bit numbers).
import type { KeyValue } from '../../../gen/mvccpb/kv';
import type {
  DeleteRangeResponse,
  Member,
  PutResponse,
  RangeResponse,
  ResponseHeader,
  ResponseOp,
  TxnResponse,
} from '../../../gen/etcdserverpb/rpc';
import { goJson, omitEmpty as o, type GoJsonValue } from '../go-json';
import type { Output, Printer } from './types';

type Obj = { [key: string]: GoJsonValue | undefined };

export function header(h: ResponseHeader | undefined): Obj | undefined {
  if (!h) return undefined;
  return { cluster_id: o(h.clusterId), member_id: o(h.memberId), revision: o(h.revision), raft_term: o(h.raftTerm) };
}

/** The header's fields inlined into the struct (clientv3's lease responses embed *pb.ResponseHeader). */
function inlineHeader(h: ResponseHeader | undefined): Obj {
  return header(h) ?? {};
}

function kv(item: KeyValue | undefined): Obj | undefined {
  if (!item) return undefined;
  return {
    key: o(item.key),
    create_revision: o(item.createRevision),
    mod_revision: o(item.modRevision),
    version: o(item.version),
    value: o(item.value),
    lease: o(item.lease),
  };
}

function kvs(items: KeyValue[]): GoJsonValue[] | undefined {
  return o(items.map((i) => kv(i) as Obj));
}

function range(r: RangeResponse): Obj {
  return { header: header(r.header), kvs: kvs(r.kvs), more: o(r.more), count: o(r.count) };
}

function put(r: PutResponse): Obj {
  return { header: header(r.header), prev_kv: kv(r.prevKv) };
}

function del(r: DeleteRangeResponse): Obj {
  return { header: header(r.header), deleted: o(r.deleted), prev_kvs: kvs(r.prevKvs) };
}

function responseOp(op: ResponseOp): Obj {
  // A oneof field marshals as its Go interface field, wrapping the chosen branch.
  if (op.responseRange) return { Response: { ResponseRange: range(op.responseRange) } };
  if (op.responsePut) return { Response: { ResponsePut: put(op.responsePut) } };
  if (op.responseDeleteRange) return { Response: { ResponseDeleteRange: del(op.responseDeleteRange) } };
  if (op.responseTxn) return { Response: { ResponseTxn: txn(op.responseTxn) } };
  return {};
}

function txn(r: TxnResponse): Obj {
  return { header: header(r.header), succeeded: o(r.succeeded), responses: o(r.responses.map(responseOp)) };
}

function member(m: Member | undefined): Obj | undefined {
  if (!m) return undefined;
  return { ID: o(m.ID), name: o(m.name), peerURLs: o(m.peerURLs), clientURLs: o(m.clientURLs), isLearner: o(m.isLearner) };
}

function members(list: Member[]): GoJsonValue[] | undefined {
  return o(list.map((m) => member(m) as Obj));
}

export function jsonPrinter(out: Output): Printer {
  const print = (v: GoJsonValue): void => out.out(goJson(v) + '\n');
  return {
    del: (r) => print(del(r)),
    get: (r) => print(range(r)),
    put: (r) => print(put(r)),
    txn: (r) => print(txn(r)),
    watch: (r) =>
      print({
        Header: header(r.header) ?? {},
        Events: r.events.map((e) => ({ type: o(e.type as number), kv: kv(e.kv), prev_kv: kv(e.prevKv) })),
        CompactRevision: r.compactRevision,
        Canceled: r.canceled,
        Created: r.created,
      }),
    grant: (r) => print({ ...inlineHeader(r.header), ID: r.ID, TTL: r.TTL, Error: r.error }),
    revoke: (_id, r) => print({ header: header(r.header) }),
    keepAlive: (r) => print({ ...inlineHeader(r.header), ID: r.ID, TTL: r.TTL }),
    timeToLive: (r) =>
      print({
        ...inlineHeader(r.header),
        id: r.ID,
        ttl: r.TTL,
        'granted-ttl': r.grantedTTL,
        keys: r.keys.length === 0 ? null : r.keys,
      }),
    leases: (r) => print({ ...inlineHeader(r.header), leases: r.leases.map((l) => ({ id: l.ID })) }),
    memberAdd: (r) => print({ header: header(r.header), member: member(r.member), members: members(r.members) }),
    memberRemove: (_id, r) => print({ header: header(r.header), members: members(r.members) }),
    memberUpdate: (_id, r) => print({ header: header(r.header), members: members(r.members) }),
    memberPromote: (_id, r) => print({ header: header(r.header), members: members(r.members) }),
    memberList: (r) => print({ header: header(r.header), members: members(r.members) }),
    endpointHealth: (list) =>
      print(list.map((h) => ({ endpoint: h.endpoint, health: h.health, took: h.took, error: o(h.error) }))),
    endpointStatus: (list) =>
      print(
        list.map(({ endpoint, status: s }) => ({
          Endpoint: endpoint,
          Status: {
            header: header(s.header),
            version: o(s.version),
            dbSize: o(s.dbSize),
            leader: o(s.leader),
            raftIndex: o(s.raftIndex),
            raftTerm: o(s.raftTerm),
            raftAppliedIndex: o(s.raftAppliedIndex),
            errors: o(s.errors),
            dbSizeInUse: o(s.dbSizeInUse),
            isLearner: o(s.isLearner),
          },
        })),
      ),
    endpointHashKV: (list) =>
      print(
        list.map((h) => ({
          Endpoint: h.endpoint,
          HashKV: { header: header(h.hashKV.header), hash: o(h.hashKV.hash), compact_revision: o(h.hashKV.compactRevision) },
        })),
      ),
    moveLeader: (_l, _t, r) => print({ header: header(r.header) }),
    alarm: (r) =>
      print({
        header: header(r.header),
        alarms: o(r.alarms.map((a) => ({ memberID: o(a.memberID), alarm: o(a.alarm as number) }))),
      }),
    snapshotStatus: (s) => print({ hash: s.hash, revision: s.revision, totalKey: s.totalKey, totalSize: s.totalSize }),
  };
}
