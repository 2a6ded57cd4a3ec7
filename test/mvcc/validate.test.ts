import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestOp } from '../../src/gen/etcdserverpb/rpc';
import {
  DuplicateKeyError,
  EmptyKeyError,
  KeyNotFoundError,
  LeaseProvidedError,
  TooManyOpsError,
  ValueProvidedError,
} from '../../src/mvcc/errors';
import {
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
} from '../../src/mvcc/validate';
import { b, compare, deleteReq, op, putReq, rangeReq, txnReq } from './helpers';

test('empty keys are rejected everywhere', () => {
  assert.throws(() => checkRangeRequest(rangeReq('')), EmptyKeyError);
  assert.throws(() => checkPutRequest(putReq('', 'v')), EmptyKeyError);
  assert.throws(() => checkDeleteRequest(deleteReq('')), EmptyKeyError);
  assert.throws(() => checkTxnRequest(txnReq({ compare: [compare('', {})] })), EmptyKeyError);
  assert.throws(() => checkTxnRequest(txnReq({ failure: [op.range(rangeReq(''))] })), EmptyKeyError);
  checkRangeRequest(rangeReq('k'));
});

test('put flags must not come with the value or lease they ignore', () => {
  assert.throws(() => checkPutRequest(putReq('k', 'v', { ignoreValue: true })), ValueProvidedError);
  assert.throws(() => checkPutRequest(putReq('k', '', { ignoreLease: true, lease: 1n })), LeaseProvidedError);
  checkPutRequest(putReq('k', '', { ignoreValue: true, ignoreLease: true }));
});

test('operation limits, including the budget left for nested transactions', () => {
  const puts = (n: number, prefix = 'k'): RequestOp[] => Array.from({ length: n }, (_, i) => op.put(putReq(`${prefix}${i}`, 'v')));
  checkTxnRequest(txnReq({ success: puts(128) }));
  assert.throws(() => checkTxnRequest(txnReq({ success: puts(129) })), TooManyOpsError);
  assert.throws(() => checkTxnRequest(txnReq({ compare: Array.from({ length: 3 }, () => compare('k', {})) }), 2), TooManyOpsError);
  const nested = txnReq({ success: [op.txn(txnReq({ success: puts(2, 'n') })), op.put(putReq('x', 'v'))] });
  assert.throws(() => checkTxnRequest(nested, 3), TooManyOpsError);
  checkTxnRequest(nested, 4);
});

test('an empty request op is rejected like etcd', () => {
  assert.throws(() => checkTxnRequest(txnReq({ success: [{}] })), KeyNotFoundError);
});

test('duplicate keys within one path are rejected', () => {
  const dup = (...ops: RequestOp[]) => () => checkTxnRequest(txnReq({ success: ops }));
  assert.throws(dup(op.put(putReq('a', '1')), op.put(putReq('a', '2'))), DuplicateKeyError);
  assert.throws(dup(op.del(deleteReq('a', { rangeEnd: b('c') })), op.put(putReq('b', '1'))), DuplicateKeyError);
  assert.throws(dup(op.del(deleteReq('a')), op.put(putReq('a', '1'))), DuplicateKeyError);
  assert.throws(
    dup(op.put(putReq('a', '1')), op.txn(txnReq({ success: [op.put(putReq('a', '2'))] }))),
    DuplicateKeyError,
  );
  assert.throws(
    dup(op.del(deleteReq('a', { rangeEnd: b('b') })), op.txn(txnReq({ failure: [op.put(putReq('a', '2'))] }))),
    DuplicateKeyError,
  );
  assert.throws(
    dup(op.txn(txnReq({ success: [op.del(deleteReq('q'))] })), op.put(putReq('q', '1'))),
    DuplicateKeyError,
  );
});

test('keys may repeat across branches and outside deleted spans', () => {
  const ok = (...ops: RequestOp[]) => checkTxnRequest(txnReq({ success: ops }));
  checkTxnRequest(txnReq({ success: [op.put(putReq('a', '1'))], failure: [op.put(putReq('a', '2'))] }));
  ok(op.txn(txnReq({ success: [op.put(putReq('a', '1'))], failure: [op.put(putReq('a', '2'))] })));
  ok(op.del(deleteReq('a')), op.put(putReq('ab', '1')));
  ok(op.del(deleteReq('a', { rangeEnd: b('b') })), op.put(putReq('b', '1')));
  ok(op.range(rangeReq('a')), op.put(putReq('a', '1')));
  // etcd takes a "\0" range end literally here, so delete-from-key never conflicts.
  ok(op.del(deleteReq('a', { rangeEnd: Buffer.of(0) })), op.put(putReq('b', '1')));
});
