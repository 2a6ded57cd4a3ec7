export * from './errors';
export { MvccStore, WriteTxn } from './store';
export type { RangeOptions, RangeResult, EventListener } from './store';
export { applyRange, applyPut, applyDeleteRange, applyTxn } from './kv-ops';
export type { LeaseExists } from './kv-ops';
export {
  DEFAULT_MAX_TXN_OPS,
  checkRangeRequest,
  checkPutRequest,
  checkDeleteRequest,
  checkTxnRequest,
} from './validate';
