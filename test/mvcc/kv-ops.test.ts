import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Compare_CompareResult as R,
  Compare_CompareTarget as T,
  RangeRequest_SortOrder as Order,
  RangeRequest_SortTarget as Target,
  RangeResponse,
  TxnResponse,
} from '../../src/gen/etcdserverpb/rpc';
import { CompactedError, FutureRevError, KeyNotFoundError, LeaseNotFoundError } from '../../src/mvcc/errors';
import { applyDeleteRange, applyPut, applyRange, applyTxn } from '../../src/mvcc/kv-ops';
import { MvccStore } from '../../src/mvcc/store';
import { b, compare, del, deleteReq, keys, op, openTempStore, put, putReq, rangeReq, txnReq, values } from './helpers';

const noLeases = (): boolean => false;
const anyLease = (): boolean => true;

async function withStore(body: (store: MvccStore) => Promise<void> | void): Promise<void> {
  const { store, done } = await openTempStore();
  try {
    await body(store);
  } finally {
    await done();
  }
}

function sync<T>(value: T | Promise<T>): T {
  assert.ok(!(value instanceof Promise), 'expected a synchronous result');
  return value as T;
}

test('range: limit sets more, count ignores the limit', () =>
  withStore((store) => {
    for (const k of ['a', 'b', 'c', 'd']) put(store, k, k);
    const r = sync(applyRange(store, rangeReq('a', { rangeEnd: b('z'), limit: 2n })));
    assert.deepEqual(keys(r.kvs), ['a', 'b']);
    assert.equal(r.more, true);
    assert.equal(r.count, 4n);
    assert.equal(r.header?.revision, 5n);
    const exact = sync(applyRange(store, rangeReq('a', { rangeEnd: b('z'), limit: 4n })));
    assert.equal(exact.more, false);
    const counted = sync(applyRange(store, rangeReq('a', { rangeEnd: Buffer.of(0), countOnly: true })));
    assert.deepEqual([counted.kvs.length, counted.count], [0, 4n]);
  }));

test('range: sort by every target and order; a non-key target defaults to ascending', () =>
  withStore((store) => {
    put(store, 'a', 'z'); // 2
    put(store, 'b', 'y'); // 3
    put(store, 'c', 'x'); // 4
    put(store, 'b', 'w'); // 5
    put(store, 'b', 'v'); // 6
    const sorted = (target: Target, order: Order) =>
      keys(sync(applyRange(store, rangeReq('a', { rangeEnd: b('z'), sortTarget: target, sortOrder: order }))).kvs);
    assert.deepEqual(sorted(Target.KEY, Order.DESCEND), ['c', 'b', 'a']);
    assert.deepEqual(sorted(Target.KEY, Order.NONE), ['a', 'b', 'c']);
    assert.deepEqual(sorted(Target.VALUE, Order.NONE), ['b', 'c', 'a']);
    assert.deepEqual(sorted(Target.VERSION, Order.DESCEND), ['b', 'a', 'c']);
    assert.deepEqual(sorted(Target.CREATE, Order.DESCEND), ['c', 'b', 'a']);
    assert.deepEqual(sorted(Target.MOD, Order.ASCEND), ['a', 'c', 'b']);
    const top = sync(
      applyRange(store, rangeReq('a', { rangeEnd: b('z'), sortTarget: Target.MOD, sortOrder: Order.DESCEND, limit: 1n })),
    );
    assert.deepEqual(keys(top.kvs), ['b']);
    assert.equal(top.more, true);
    assert.equal(top.count, 3n);
  }));

test('range: min/max mod and create revision filters, keys_only', () =>
  withStore((store) => {
    put(store, 'a', '1'); // 2
    put(store, 'b', '1'); // 3
    put(store, 'c', '1'); // 4
    put(store, 'a', '2'); // 5
    const sel = (fields: object) => keys(sync(applyRange(store, rangeReq('a', { rangeEnd: b('z'), ...fields }))).kvs);
    assert.deepEqual(sel({ minModRevision: 4n }), ['a', 'c']);
    assert.deepEqual(sel({ maxModRevision: 3n }), ['b']);
    assert.deepEqual(sel({ minCreateRevision: 3n }), ['b', 'c']);
    assert.deepEqual(sel({ maxCreateRevision: 3n }), ['a', 'b']);
    const r = sync(applyRange(store, rangeReq('a', { keysOnly: true })));
    assert.equal(r.kvs[0].value.length, 0);
    assert.equal(r.kvs[0].version, 2n);
  }));

test('range: historical revision; errors for compacted and future revisions', () =>
  withStore(async (store) => {
    put(store, 'a', '1'); // 2
    put(store, 'a', '2'); // 3
    // Still unflushed: answered from memory.
    assert.deepEqual(values(sync(applyRange(store, rangeReq('a', { revision: 2n }))).kvs), ['1']);
    await store.commit(1);
    const r = applyRange(store, rangeReq('a', { revision: 2n }));
    assert.ok(r instanceof Promise);
    assert.deepEqual(values((await r).kvs), ['1']);
    assert.equal((await r).header?.revision, 3n);
    assert.throws(() => applyRange(store, rangeReq('a', { revision: 4n })), FutureRevError);
    store.compact(3);
    assert.throws(() => applyRange(store, rangeReq('a', { revision: 2n })), CompactedError);
  }));

test('put: prev_kv, ignore_value, ignore_lease and their errors', () =>
  withStore((store) => {
    const first = applyPut(store, putReq('a', '1', { lease: 5n, prevKv: true }), anyLease);
    assert.equal(first.prevKv, undefined);
    assert.equal(first.header?.revision, 2n);
    const second = applyPut(store, putReq('a', '2', { prevKv: true }), anyLease);
    assert.equal(second.prevKv?.value.toString(), '1');
    assert.equal(second.prevKv?.lease, 5n);

    applyPut(store, putReq('a', '', { ignoreValue: true, lease: 6n }), anyLease);
    let kv = sync(store.range(b('a'), undefined)).kvs[0];
    assert.deepEqual([kv.value.toString(), kv.lease, kv.version], ['2', 6n, 3n]);
    applyPut(store, putReq('a', '3', { ignoreLease: true }), anyLease);
    kv = sync(store.range(b('a'), undefined)).kvs[0];
    assert.deepEqual([kv.value.toString(), kv.lease], ['3', 6n]);

    assert.throws(() => applyPut(store, putReq('missing', '', { ignoreValue: true }), anyLease), KeyNotFoundError);
    assert.throws(() => applyPut(store, putReq('missing', 'v', { ignoreLease: true }), anyLease), KeyNotFoundError);
    assert.throws(() => applyPut(store, putReq('b', 'v', { lease: 9n }), noLeases), LeaseNotFoundError);
    assert.equal(store.currentRevision, 5);
  }));

test('delete: counts, prev_kvs and revision only bumps when something was deleted', () =>
  withStore((store) => {
    for (const k of ['a', 'b', 'c']) put(store, k, k);
    const none = applyDeleteRange(store, deleteReq('x'));
    assert.deepEqual([none.deleted, none.header?.revision], [0n, 4n]);
    const some = applyDeleteRange(store, deleteReq('a', { rangeEnd: b('c'), prevKv: true }));
    assert.equal(some.deleted, 2n);
    assert.deepEqual(values(some.prevKvs), ['a', 'b']);
    assert.equal(some.header?.revision, 5n);
    const noPrev = applyDeleteRange(store, deleteReq('c'));
    assert.deepEqual([noPrev.deleted, noPrev.prevKvs.length], [1n, 0]);
    assert.deepEqual(keys(sync(store.range(Buffer.of(0), Buffer.of(0))).kvs), []);
  }));

test('txn: compare targets and results pick the branch', () =>
  withStore((store) => {
    put(store, 'k', 'v5', 0n); // 2
    put(store, 'k', 'v5'); // 3, version 2
    const holds = (c: ReturnType<typeof compare>) =>
      (sync(applyTxn(store, txnReq({ compare: [c] }), anyLease)) as TxnResponse).succeeded;
    assert.equal(holds(compare('k', { target: T.VALUE, result: R.EQUAL, value: b('v5') })), true);
    assert.equal(holds(compare('k', { target: T.VALUE, result: R.GREATER, value: b('v4') })), true);
    assert.equal(holds(compare('k', { target: T.VALUE, result: R.LESS, value: b('v4') })), false);
    assert.equal(holds(compare('k', { target: T.VERSION, result: R.EQUAL, version: 2n })), true);
    assert.equal(holds(compare('k', { target: T.CREATE, result: R.EQUAL, createRevision: 2n })), true);
    assert.equal(holds(compare('k', { target: T.MOD, result: R.NOT_EQUAL, modRevision: 3n })), false);
    assert.equal(holds(compare('k', { target: T.LEASE, result: R.EQUAL, lease: 0n })), true);
    // A missing key has version/create/mod 0 but no value to compare.
    assert.equal(holds(compare('nope', { target: T.VERSION, result: R.EQUAL, version: 0n })), true);
    assert.equal(holds(compare('nope', { target: T.CREATE, result: R.LESS, createRevision: 1n })), true);
    assert.equal(holds(compare('nope', { target: T.VALUE, result: R.NOT_EQUAL, value: b('x') })), false);
  }));

test('txn: range compares must hold for every key in the range', () =>
  withStore((store) => {
    put(store, 'p/a', '1');
    put(store, 'p/b', '2');
    const greater = (version: bigint) =>
      (
        sync(
          applyTxn(
            store,
            txnReq({ compare: [compare('p/', { rangeEnd: b('p0'), target: T.MOD, result: R.GREATER, modRevision: version })] }),
            anyLease,
          ),
        ) as TxnResponse
      ).succeeded;
    assert.equal(greater(1n), true);
    assert.equal(greater(2n), false);
  }));

test('txn: success and failure branches run as one revision with etcd headers', () =>
  withStore((store) => {
    put(store, 'a', '1'); // 2
    const request = (expected: string) =>
      txnReq({
        compare: [compare('a', { target: T.VALUE, result: R.EQUAL, value: b(expected) })],
        success: [op.put(putReq('a', 'won')), op.put(putReq('b', 'won')), op.range(rangeReq('a', { rangeEnd: b('c') }))],
        failure: [op.range(rangeReq('a'))],
      });
    const failed = sync(applyTxn(store, request('nope'), anyLease)) as TxnResponse;
    assert.equal(failed.succeeded, false);
    assert.equal(failed.header?.revision, 2n);
    assert.deepEqual(values(failed.responses[0].responseRange!.kvs), ['1']);
    assert.equal(store.currentRevision, 2);

    const ok = sync(applyTxn(store, request('1'), anyLease)) as TxnResponse;
    assert.equal(ok.succeeded, true);
    assert.equal(ok.header?.revision, 3n);
    assert.equal(ok.responses[0].responsePut?.header?.revision, 3n);
    const seen = ok.responses[2].responseRange as RangeResponse;
    assert.deepEqual(values(seen.kvs), ['won', 'won']);
    assert.equal(seen.header?.revision, 3n);
    assert.equal(store.currentRevision, 3);
  }));

test('txn: nested transactions decide their branch before anything is written', () =>
  withStore((store) => {
    put(store, 'flag', 'on'); // 2
    const req = txnReq({
      success: [
        op.del(deleteReq('flag')),
        op.txn(
          txnReq({
            // Evaluated against the state before the outer delete.
            compare: [compare('flag', { target: T.VALUE, result: R.EQUAL, value: b('on') })],
            success: [op.put(putReq('inner', 'saw-flag'))],
            failure: [op.put(putReq('inner', 'no-flag'))],
          }),
        ),
      ],
    });
    const resp = sync(applyTxn(store, req, anyLease)) as TxnResponse;
    const inner = resp.responses[1].responseTxn!;
    assert.equal(inner.succeeded, true);
    assert.equal(inner.header?.revision, 0n);
    assert.equal(inner.responses[0].responsePut?.header?.revision, 3n);
    assert.deepEqual(values(sync(store.range(b('inner'), undefined)).kvs), ['saw-flag']);
    assert.deepEqual(sync(store.range(b('flag'), undefined)).kvs, []);
    assert.equal(store.currentRevision, 3);
  }));

test('txn: preconditions fail the whole txn before any write', () =>
  withStore((store) => {
    put(store, 'a', '1'); // 2
    const withPut = (p: ReturnType<typeof putReq>) => txnReq({ success: [op.put(putReq('x', '1')), op.put(p)] });
    assert.throws(() => applyTxn(store, withPut(putReq('b', '1', { lease: 7n })), noLeases), LeaseNotFoundError);
    assert.throws(() => applyTxn(store, withPut(putReq('gone', '', { ignoreValue: true })), anyLease), KeyNotFoundError);
    const futureRead = txnReq({ success: [op.put(putReq('x', '1')), op.range(rangeReq('a', { revision: 9n }))] });
    assert.throws(() => applyTxn(store, futureRead, anyLease), FutureRevError);
    assert.equal(store.currentRevision, 2);
    // Preconditions only apply to the branch that runs.
    const untaken = txnReq({ failure: [op.put(putReq('b', '1', { lease: 7n }))] });
    assert.equal((sync(applyTxn(store, untaken, noLeases)) as TxnResponse).succeeded, true);
  }));

test('txn: historical reads inside a write txn resolve asynchronously', () =>
  withStore(async (store) => {
    put(store, 'a', 'old'); // 2
    await store.commit(1);
    put(store, 'a', 'new'); // 3
    const req = txnReq({ success: [op.put(putReq('a', 'newest')), op.range(rangeReq('a', { revision: 2n }))] });
    const pending = applyTxn(store, req, anyLease);
    assert.ok(pending instanceof Promise);
    // The write already happened synchronously.
    assert.equal(store.currentRevision, 4);
    const resp = await pending;
    assert.deepEqual(values(resp.responses[1].responseRange!.kvs), ['old']);
    assert.equal(resp.header?.revision, 4n);
  }));

test('txn: a read-only txn does not change the revision', () =>
  withStore((store) => {
    put(store, 'a', '1');
    del(store, 'a');
    const resp = sync(applyTxn(store, txnReq({ success: [op.range(rangeReq('a'))] }), anyLease)) as TxnResponse;
    assert.equal(resp.header?.revision, 3n);
    assert.equal(resp.responses[0].responseRange?.count, 0n);
    assert.equal(store.currentRevision, 3);
  }));
