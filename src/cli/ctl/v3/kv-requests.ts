// Building get/put/del requests from etcdctl-style arguments and flags; shared by the commands and by txn, whose
// request lines use the same syntax.
import {
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
} from '../../../gen/etcdserverpb/rpc';
import { badArgs, CtlError, ExitCode } from '../errors';
import { prefixEnd } from '../../../mvcc/key-range';

const EMPTY: Buffer = Buffer.alloc(0);
const NUL: Buffer = Buffer.from([0]);

/** Key range of a get/del: explicit end, --prefix or --from-key (which read "" as "\0", like clientv3). */
function keyRange(
  command: string,
  args: string[],
  prefix: boolean,
  fromKey: boolean,
): { key: Buffer; rangeEnd: Buffer } {
  // get ignores operands past range_end; del refuses them (both as etcdctl does).
  if (args.length === 0 || (command === 'del' && args.length > 2)) {
    throw badArgs(`${command} command needs one argument as key and an optional argument as range_end`);
  }
  if (prefix && fromKey) throw badArgs('`--prefix` and `--from-key` cannot be set at the same time, choose one');
  if ((prefix || fromKey) && args.length > 1) {
    throw badArgs('too many arguments, only accept one argument when `--prefix` or `--from-key` is set');
  }
  let key: Buffer = Buffer.from(args[0]);
  if (prefix) {
    if (key.length === 0) return { key: NUL, rangeEnd: NUL };
    return { key, rangeEnd: prefixEnd(key) };
  }
  if (fromKey) {
    if (key.length === 0) key = NUL;
    return { key, rangeEnd: NUL };
  }
  return { key, rangeEnd: args.length > 1 ? Buffer.from(args[1]) : EMPTY };
}

export interface GetFlags {
  prefix?: boolean;
  fromKey?: boolean;
  limit?: bigint;
  rev?: bigint;
  sortBy?: string;
  order?: string;
  keysOnly?: boolean;
  countOnly?: boolean;
  consistency?: string;
}

const SORT_TARGETS: Record<string, RangeRequest_SortTarget> = {
  CREATE: RangeRequest_SortTarget.CREATE,
  KEY: RangeRequest_SortTarget.KEY,
  MODIFY: RangeRequest_SortTarget.MOD,
  VALUE: RangeRequest_SortTarget.VALUE,
  VERSION: RangeRequest_SortTarget.VERSION,
};

export function rangeRequest(args: string[], f: GetFlags): RangeRequest {
  const { key, rangeEnd } = keyRange('get', args, f.prefix ?? false, f.fromKey ?? false);
  const consistency = f.consistency ?? 'l';
  if (consistency !== 'l' && consistency !== 's') {
    throw new CtlError(ExitCode.badFeature, `unknown consistency flag "${consistency}"`);
  }
  let sortOrder = RangeRequest_SortOrder.NONE;
  const order = (f.order ?? '').toUpperCase();
  if (order === 'ASCEND') sortOrder = RangeRequest_SortOrder.ASCEND;
  else if (order === 'DESCEND') sortOrder = RangeRequest_SortOrder.DESCEND;
  else if (order !== '') throw new CtlError(ExitCode.badFeature, `bad sort order ${f.order}`);
  let sortTarget = RangeRequest_SortTarget.KEY;
  const by = (f.sortBy ?? '').toUpperCase();
  if (by !== '') {
    const t = SORT_TARGETS[by];
    if (t === undefined) throw new CtlError(ExitCode.badFeature, `bad sort target ${f.sortBy}`);
    sortTarget = t;
    // Naming a target without an order sorts ascending, as clientv3 does.
    if (sortOrder === RangeRequest_SortOrder.NONE) sortOrder = RangeRequest_SortOrder.ASCEND;
  }
  // Results come back in ascending key order anyway; clientv3 leaves that sort to the server's natural order.
  if (sortTarget === RangeRequest_SortTarget.KEY && sortOrder === RangeRequest_SortOrder.ASCEND) {
    sortOrder = RangeRequest_SortOrder.NONE;
  }
  return {
    key,
    rangeEnd,
    limit: f.limit ?? 0n,
    revision: f.rev ?? 0n,
    sortOrder,
    sortTarget,
    serializable: consistency === 's',
    keysOnly: f.keysOnly ?? false,
    countOnly: f.countOnly ?? false,
    minModRevision: 0n,
    maxModRevision: 0n,
    minCreateRevision: 0n,
    maxCreateRevision: 0n,
  };
}

export interface PutFlags {
  lease?: string;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

/** `value` is undefined when it must come from stdin and none was given. */
export function putRequest(args: string[], f: PutFlags, stdinValue?: () => Buffer): PutRequest {
  const usage = 'put command needs 1 argument and input from stdin or 2 arguments';
  if (args.length === 0) throw badArgs(usage);
  if (f.ignoreValue && args.length > 1) throw badArgs("put command needs only 1 argument when 'ignore-value' is set");
  let value = EMPTY;
  if (!f.ignoreValue) {
    if (args.length >= 2) value = Buffer.from(args[1]);
    else if (stdinValue) value = stdinValue();
    else throw badArgs(usage);
  }
  const leaseText = f.lease ?? '0';
  if (!/^[0-9a-fA-F]{1,16}$/.test(leaseText)) {
    throw badArgs(`bad lease ID (strconv.ParseInt: parsing "${leaseText}": invalid syntax), expecting ID in Hex`);
  }
  return {
    key: Buffer.from(args[0]),
    value,
    lease: BigInt('0x' + leaseText),
    prevKv: f.prevKv ?? false,
    ignoreValue: f.ignoreValue ?? false,
    ignoreLease: f.ignoreLease ?? false,
  };
}

export interface DelFlags {
  prefix?: boolean;
  fromKey?: boolean;
  prevKv?: boolean;
}

export function deleteRequest(args: string[], f: DelFlags): DeleteRangeRequest {
  const { key, rangeEnd } = keyRange('del', args, f.prefix ?? false, f.fromKey ?? false);
  return { key, rangeEnd, prevKv: f.prevKv ?? false };
}
