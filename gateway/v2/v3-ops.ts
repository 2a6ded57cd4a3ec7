// Builders for the v3 messages the gateway sends: the generated types have no defaults, so every
// field is spelled out once here instead of at each call site.
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
  type Compare,
  type RangeRequest,
  type RequestOp,
} from '../../src/gen/etcdserverpb/rpc';

const EMPTY = Buffer.alloc(0);

export function rangeRequest(key: Buffer, rangeEnd: Buffer = EMPTY, opts: Partial<RangeRequest> = {}): RangeRequest {
  return {
    key,
    rangeEnd,
    limit: 0n,
    revision: 0n,
    sortOrder: RangeRequest_SortOrder.NONE,
    sortTarget: RangeRequest_SortTarget.KEY,
    serializable: false,
    keysOnly: false,
    countOnly: false,
    minModRevision: 0n,
    maxModRevision: 0n,
    minCreateRevision: 0n,
    maxCreateRevision: 0n,
    ...opts,
  };
}

export function rangeOp(key: Buffer, rangeEnd: Buffer = EMPTY, opts: Partial<RangeRequest> = {}): RequestOp {
  return { requestRange: rangeRequest(key, rangeEnd, opts) };
}

/** `ignoreValue` keeps the stored value (a refresh moves only the lease). */
export function putOp(key: Buffer, value: Buffer, lease: bigint, opts: { ignoreValue?: boolean } = {}): RequestOp {
  const ignoreValue = opts.ignoreValue ?? false;
  return { requestPut: { key, value: ignoreValue ? EMPTY : value, lease, prevKv: false, ignoreValue, ignoreLease: false } };
}

export function deleteOp(key: Buffer, rangeEnd: Buffer = EMPTY, prevKv = true): RequestOp {
  return { requestDeleteRange: { key, rangeEnd, prevKv } };
}

/** Holds when `key` was last modified at `modRevision` (0: the key does not exist). */
export function modRevisionIs(key: Buffer, modRevision: bigint): Compare {
  return {
    result: Compare_CompareResult.EQUAL,
    target: Compare_CompareTarget.MOD,
    key,
    modRevision,
    rangeEnd: EMPTY,
  };
}

/** Holds when no key in [key, rangeEnd) exists. */
export function rangeIsEmpty(key: Buffer, rangeEnd: Buffer): Compare {
  return {
    result: Compare_CompareResult.EQUAL,
    target: Compare_CompareTarget.VERSION,
    key,
    version: 0n,
    rangeEnd,
  };
}
