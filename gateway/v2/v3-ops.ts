// Builders for the v3 messages the gateway sends: the generated types have no defaults, so every
// field is spelled out once here instead of at each call site.
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  type Compare,
  type RangeRequest,
  type RequestOp,
  type TxnRequest,
} from '../../src/gen/etcdserverpb/rpc';
import { rangeRequest as rangeRequestOf } from '../../src/server/prefix-queue';

const EMPTY = Buffer.alloc(0);

export function rangeRequest(key: Buffer, rangeEnd: Buffer = EMPTY, opts: Partial<RangeRequest> = {}): RangeRequest {
  return rangeRequestOf(key, { rangeEnd, ...opts });
}

export function rangeOp(key: Buffer, rangeEnd: Buffer = EMPTY, opts: Partial<RangeRequest> = {}): RequestOp {
  return { requestRange: rangeRequest(key, rangeEnd, opts) };
}

/** `ignoreValue` keeps the stored value (a refresh moves only the lease); `prevKv` returns what was replaced. */
export function putOp(key: Buffer, value: Buffer, lease: bigint, opts: { ignoreValue?: boolean; prevKv?: boolean } = {}): RequestOp {
  const ignoreValue = opts.ignoreValue ?? false;
  const prevKv = opts.prevKv ?? false;
  return { requestPut: { key, value: ignoreValue ? EMPTY : value, lease, prevKv, ignoreValue, ignoreLease: false } };
}

export function txnOp(req: TxnRequest): RequestOp {
  return { requestTxn: req };
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

/** Holds when `key` exists. */
export function exists(key: Buffer): Compare {
  return {
    result: Compare_CompareResult.GREATER,
    target: Compare_CompareTarget.CREATE,
    key,
    createRevision: 0n,
    rangeEnd: EMPTY,
  };
}

/** Holds when `key` is attached to `lease` (a missing key holds none: 0). */
export function leaseIs(key: Buffer, lease: bigint): Compare {
  return {
    result: Compare_CompareResult.EQUAL,
    target: Compare_CompareTarget.LEASE,
    key,
    lease,
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
