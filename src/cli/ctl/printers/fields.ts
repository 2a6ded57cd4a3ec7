// `-w fields`: one `"Name" : value` line per field, as etcdctl's fields printer.
import type { KeyValue } from '../../../gen/mvccpb/kv';
import { Event_EventType } from '../../../gen/mvccpb/kv';
import type { DeleteRangeResponse, PutResponse, RangeResponse, ResponseHeader } from '../../../gen/etcdserverpb/rpc';
import { goQuote } from '../go-format';
import { alarmName } from './rows';
import type { Output, Printer } from './types';
import { unsupportedPrinter } from './unsupported';

export function fieldsPrinter(o: Output): Printer {
  const line = (s: string): void => o.out(s + '\n');
  const field = (name: string, value: string | bigint | number | boolean): void => line(`"${name}" : ${value}`);
  const kv = (pfx: string, item: KeyValue | undefined): void => {
    field(`${pfx}Key`, goQuote(item?.key ?? Buffer.alloc(0)));
    field(`${pfx}CreateRevision`, item?.createRevision ?? 0n);
    field(`${pfx}ModRevision`, item?.modRevision ?? 0n);
    field(`${pfx}Version`, item?.version ?? 0n);
    field(`${pfx}Value`, goQuote(item?.value ?? Buffer.alloc(0)));
    field(`${pfx}Lease`, item?.lease ?? 0n);
  };
  const hdr = (h: ResponseHeader | undefined): void => {
    field('ClusterID', h?.clusterId ?? 0n);
    field('MemberID', h?.memberId ?? 0n);
    field('Revision', h?.revision ?? 0n);
    field('RaftTerm', h?.raftTerm ?? 0n);
  };
  const del = (r: DeleteRangeResponse): void => {
    hdr(r.header);
    field('Deleted', r.deleted);
    for (const p of r.prevKvs) kv('Prev', p);
  };
  const get = (r: RangeResponse): void => {
    hdr(r.header);
    for (const item of r.kvs) kv('', item);
    field('More', r.more);
    field('Count', r.count);
  };
  const put = (r: PutResponse): void => {
    hdr(r.header);
    if (r.prevKv) kv('Prev', r.prevKv);
  };
  const goStrings = (list: string[]): string => `[${list.join(' ')}]`;
  return {
    ...unsupportedPrinter('fields'),
    del,
    get,
    put,
    txn: (r) => {
      hdr(r.header);
      field('Succeeded', r.succeeded);
      for (const op of r.responses) {
        if (op.responseDeleteRange) del(op.responseDeleteRange);
        else if (op.responsePut) put(op.responsePut);
        else if (op.responseRange) get(op.responseRange);
      }
    },
    watch: (r) => {
      hdr(r.header);
      for (const e of r.events) {
        field('Type', e.type === Event_EventType.DELETE ? 'DELETE' : 'PUT');
        if (e.prevKv) kv('Prev', e.prevKv);
        kv('', e.kv);
      }
    },
    grant: (r) => {
      hdr(r.header);
      field('ID', r.ID);
      field('TTL', r.TTL);
    },
    revoke: (_id, r) => hdr(r.header),
    keepAlive: (r) => {
      hdr(r.header);
      field('ID', r.ID);
      field('TTL', r.TTL);
    },
    timeToLive: (r) => {
      hdr(r.header);
      field('ID', r.ID);
      field('TTL', r.TTL);
      field('GrantedTTL', r.grantedTTL);
      for (const k of r.keys) field('Key', goQuote(k));
    },
    leases: (r) => {
      hdr(r.header);
      for (const l of r.leases) field('ID', l.ID);
    },
    memberList: (r) => {
      hdr(r.header);
      for (const m of r.members) {
        field('ID', m.ID);
        field('Name', goQuote(m.name));
        for (const u of m.peerURLs) field('PeerURL', goQuote(u));
        for (const u of m.clientURLs) field('ClientURL', goQuote(u));
        field('IsLearner', m.isLearner);
        line('');
      }
    },
    endpointHealth: (list) => {
      for (const h of list) {
        field('Endpoint', goQuote(h.endpoint));
        field('Health', h.health);
        field('Took', h.took);
        field('Error', h.error);
        line('');
      }
    },
    endpointStatus: (list) => {
      for (const { endpoint, status: s } of list) {
        hdr(s.header);
        field('Version', goQuote(s.version));
        field('DBSize', s.dbSize);
        field('Leader', s.leader);
        field('IsLearner', s.isLearner);
        field('RaftIndex', s.raftIndex);
        field('RaftTerm', s.raftTerm);
        field('RaftAppliedIndex', s.raftAppliedIndex);
        field('Errors', goStrings(s.errors));
        field('Endpoint', goQuote(endpoint));
        line('');
      }
    },
    endpointHashKV: (list) => {
      for (const h of list) {
        hdr(h.hashKV.header);
        field('Endpoint', goQuote(h.endpoint));
        field('Hash', h.hashKV.hash);
        line('');
      }
    },
    alarm: (r) => {
      hdr(r.header);
      for (const a of r.alarms) {
        field('MemberID', a.memberID);
        field('AlarmType', alarmName(a.alarm));
        line('');
      }
    },
    snapshotStatus: (s) => {
      field('Hash', s.hash);
      field('Revision', s.revision);
      field('Keys', s.totalKey);
      field('Size', s.totalSize);
    },
  };
}
