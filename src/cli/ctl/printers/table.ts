// `-w table`: only list-like results, as in etcdctl.
import { renderTable } from '../table';
import { endpointHashKVRows, endpointHealthRows, endpointStatusRows, memberListRows, snapshotStatusRows, type Rows } from './rows';
import type { Output, Printer } from './types';
import { unsupportedPrinter } from './unsupported';

export function tablePrinter(o: Output): Printer {
  const table = (r: Rows): void => o.out(renderTable(r.header, r.rows));
  return {
    ...unsupportedPrinter('table'),
    memberList: (r) => table(memberListRows(r)),
    endpointHealth: (list) => table(endpointHealthRows(list)),
    endpointStatus: (list) => table(endpointStatusRows(list)),
    endpointHashKV: (list) => table(endpointHashKVRows(list)),
    snapshotStatus: (s) => table(snapshotStatusRows(s)),
  };
}
