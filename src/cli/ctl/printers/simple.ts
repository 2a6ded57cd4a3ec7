// `-w simple` (the default): etcdctl's human-readable lines.
import type { KeyValue } from '../../../gen/mvccpb/kv';
import { Event_EventType } from '../../../gen/mvccpb/kv';
import type { DeleteRangeResponse, PutResponse, RangeResponse } from '../../../gen/etcdserverpb/rpc';
import { hex16, hexEscaped, hexId, hexPadded } from '../go-format';
import { alarmName, endpointHashKVRows, endpointStatusRows, memberListRows, snapshotStatusRows, type Rows } from './rows';
import type { Output, Printer } from './types';

const NEWLINE = Buffer.from('\n');

export function simplePrinter(o: Output, opts: { hex: boolean; valueOnly: boolean }): Printer {
  const line = (s: string): void => o.out(s + '\n');
  const kv = (item: KeyValue | undefined): void => {
    const key = item?.key ?? Buffer.alloc(0);
    const value = item?.value ?? Buffer.alloc(0);
    // Keys and values are bytes: written as they are, not decoded as text.
    const show = (b: Buffer): Buffer => (opts.hex ? Buffer.from(hexEscaped(b)) : b);
    if (!opts.valueOnly) o.raw(Buffer.concat([show(key), NEWLINE]));
    o.raw(Buffer.concat([show(value), NEWLINE]));
  };
  const rows = (r: Rows): void => {
    for (const row of r.rows) line(row.join(', '));
  };
  const del = (r: DeleteRangeResponse): void => {
    line(String(r.deleted));
    for (const p of r.prevKvs) kv(p);
  };
  const get = (r: RangeResponse): void => {
    for (const item of r.kvs) kv(item);
  };
  const put = (r: PutResponse): void => {
    line('OK');
    if (r.prevKv) kv(r.prevKv);
  };
  return {
    del,
    get,
    put,
    txn: (r) => {
      line(r.succeeded ? 'SUCCESS' : 'FAILURE');
      for (const op of r.responses) {
        line('');
        if (op.responseDeleteRange) del(op.responseDeleteRange);
        else if (op.responsePut) put(op.responsePut);
        else if (op.responseRange) get(op.responseRange);
        else line('unexpected response');
      }
    },
    watch: (r) => {
      for (const e of r.events) {
        line(e.type === Event_EventType.DELETE ? 'DELETE' : 'PUT');
        if (e.prevKv) kv(e.prevKv);
        kv(e.kv);
      }
    },
    grant: (r) => line(`lease ${hex16(r.ID)} granted with TTL(${r.TTL}s)`),
    revoke: (id) => line(`lease ${hex16(id)} revoked`),
    keepAlive: (r) => line(`lease ${hex16(r.ID)} keepalived with TTL(${r.TTL})`),
    timeToLive: (r, keys) => {
      if (r.grantedTTL === 0n && r.TTL === -1n) {
        line(`lease ${hex16(r.ID)} already expired`);
        return;
      }
      let text = `lease ${hex16(r.ID)} granted with TTL(${r.grantedTTL}s), remaining(${r.TTL}s)`;
      if (keys) text += `, attached keys([${r.keys.map((k) => k.toString('latin1')).join(' ')}])`;
      line(text);
    },
    leases: (r) => {
      line(`found ${r.leases.length} leases`);
      for (const l of r.leases) line(hex16(l.ID));
    },
    memberAdd: (r) => line(`Member ${hexPadded(r.member?.ID ?? 0n)} added to cluster ${hexPadded(r.header?.clusterId ?? 0n)}`),
    memberRemove: (id, r) => line(`Member ${hexPadded(id)} removed from cluster ${hexPadded(r.header?.clusterId ?? 0n)}`),
    memberUpdate: (id, r) => line(`Member ${hexPadded(id)} updated in cluster ${hexPadded(r.header?.clusterId ?? 0n)}`),
    memberPromote: (id, r) => line(`Member ${hexPadded(id)} promoted in cluster ${hexPadded(r.header?.clusterId ?? 0n)}`),
    memberList: (r) => rows(memberListRows(r)),
    endpointHealth: (list) => {
      for (const h of list) {
        o.err(
          h.error === ''
            ? `${h.endpoint} is healthy: successfully committed proposal: took = ${h.took}\n`
            : `${h.endpoint} is unhealthy: failed to commit proposal: ${h.error}\n`,
        );
      }
    },
    endpointStatus: (list) => rows(endpointStatusRows(list)),
    endpointHashKV: (list) => rows(endpointHashKVRows(list)),
    moveLeader: (leader, target) => line(`Leadership transferred from ${hexId(leader)} to ${hexId(target)}`),
    // Go's %+v of the generated message: its compact text form, which ends with a space.
    alarm: (r) => {
      for (const a of r.alarms) line(`memberID:${a.memberID} alarm:${alarmName(a.alarm)} `);
    },
    snapshotStatus: (s) => rows(snapshotStatusRows(s)),
  };
}
