// The simulation is only as good as its checks: these show each one fires on the violation it guards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extend } from './sim/hash';
import { Network } from './sim/network';
import { Oracle, SafetyViolation } from './sim/oracle';

const data = (s: string) => new TextEncoder().encode(s);
const INITIAL = 7;

test('two leaders in one term are caught, one leader per term is fine', () => {
  const oracle = new Oracle(1, INITIAL);
  oracle.observeLeader(1n, 2);
  oracle.observeLeader(1n, 2);
  oracle.observeLeader(2n, 3);
  assert.throws(() => oracle.observeLeader(3n, 2), SafetyViolation);
});

test('log matching: same index and term over different prefixes is caught', () => {
  const oracle = new Oracle(1, INITIAL);
  const a = extend(extend(INITIAL, 2, data('x')), 2, data('y'));
  const b = extend(extend(INITIAL, 2, data('z')), 2, data('y'));
  assert.notEqual(a, b, 'fingerprints see the difference two entries back');
  oracle.observeLogPrefix(1n, 3, 2, a);
  oracle.observeLogPrefix(2n, 3, 2, a);
  assert.throws(() => oracle.observeLogPrefix(3n, 3, 2, b), SafetyViolation);
});

test('conflicting commits and applies of uncommitted or different entries are caught', () => {
  const oracle = new Oracle(1, INITIAL);
  const log = [INITIAL];
  for (const s of ['a', 'b', 'c']) log.push(extend(log[log.length - 1], 2, data(s)));
  const printAt = (prints: number[]) => (i: number) => (i >= 1 && i <= prints.length ? prints[i - 1] : undefined);
  oracle.observeCommit(1n, 2, 3, printAt(log));
  assert.equal(oracle.commitIndex, 3);
  assert.equal(oracle.committedAt(2), log[1]);

  const other = [INITIAL, log[1], extend(log[1], 3, data('B'))];
  assert.throws(() => oracle.observeCommit(2n, 3, 3, printAt(other)), SafetyViolation);
  assert.throws(() => oracle.observeCommit(2n, 3, 5, printAt(log)), /does not reach/);

  oracle.observeApply(1n, 3, log[2]);
  assert.throws(() => oracle.observeApply(2n, 3, other[2]), SafetyViolation);
  assert.throws(() => oracle.observeApply(2n, 4, log[3]), /before any node committed/);
});

test('leader completeness threshold counts only commits made in earlier terms', () => {
  const oracle = new Oracle(1, INITIAL);
  const log = [INITIAL, extend(INITIAL, 2, data('a')), extend(extend(INITIAL, 2, data('a')), 3, data('b'))];
  const printAt = (i: number) => log[i - 1];
  oracle.observeCommit(1n, 2, 2, printAt);
  oracle.observeCommit(2n, 3, 3, printAt);
  assert.equal(oracle.committedBeforeTerm(2), 0);
  assert.equal(oracle.committedBeforeTerm(3), 2);
  assert.equal(oracle.committedBeforeTerm(4), 3);
});

test('a read answered below the commit index at request time is caught', () => {
  const oracle = new Oracle(1, INITIAL);
  oracle.observeCommit(1n, 2, 2, (i) => (i === 2 ? extend(INITIAL, 2, data('a')) : i === 1 ? INITIAL : undefined));
  oracle.recordReadRequest('r1');
  oracle.observeReadState(1n, 'r1', 2);
  assert.throws(() => oracle.observeReadState(1n, 'r1', 1), SafetyViolation);
  assert.throws(() => oracle.observeReadState(1n, 'nope', 5), /unknown context/);
});

test('partitions cut links between groups and heal restores them', () => {
  const net = new Network();
  assert.ok(net.connected(1n, 2n));
  net.partition([[1n, 2n], [3n]]);
  assert.ok(net.connected(1n, 2n));
  assert.ok(!net.connected(1n, 3n));
  assert.ok(!net.connected(4n, 1n), 'an unlisted node is alone');
  net.heal();
  assert.ok(net.connected(1n, 3n));
});
