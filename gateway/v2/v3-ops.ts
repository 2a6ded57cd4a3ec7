// Builders for the v3 messages the gateway sends: the generated types have no defaults, so every
// field is spelled out once here instead of at each call site.
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  type Compare,
  type RangeRequest,
  type RequestOp,
} from '../../src/gen/etcdserverpb/rpc';
import { rangeRequest as rangeRequestOf } from '../../src/server/prefix-queue';

const EMPTY = Buffer.alloc(0);

export function rangeRequest(key: Buffer, rangeEnd: Buffer = EMPTY, opts: Partial<RangeRequest> = {}): RangeRequest {
  return rangeRequestOf(key, { rangeEnd, ...opts });
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
