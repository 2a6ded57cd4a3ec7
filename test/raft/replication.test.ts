import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageType } from '../../src/raft';
import { Network } from './network';

describe('§5.3 log replication', () => {
  test('proposals from any node are committed and applied by every node in the same order', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.propose(1n, 'a');
    net.propose(2n, 'b');
    net.propose(3n, 'c');
    for (const n of net.nodes.values()) assert.deepEqual(n.appliedData(), ['a', 'b', 'c']);
    const indexes = net.get(2n).applied.map((e) => e.index);
    assert.deepEqual(indexes, indexes.map((_, i) => i + 1), 'applied without gaps from index 1');
  });

  test('the leader starts its term with an empty no-op entry', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    const last = net.get(2n).applied.at(-1);
    assert.ok(last);
    assert.equal(last.data.length, 0);
    assert.equal(last.term, net.get(1n).term());
  });

  test("the leader overwrites a follower's conflicting uncommitted entries", () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.isolate(1n);
    net.get(1n).node.propose(Buffer.from('lost'));
    net.stabilize();
    const lostIndex = net.get(1n).storage.lastIndex();
    net.elect(2n);
    net.propose(2n, 'kept');
    net.heal();
    net.tickAll(3);
    assert.deepEqual(net.leaders(), [2n]);
    for (const n of net.nodes.values()) assert.deepEqual(n.appliedData(), ['kept']);
    assert.equal(net.get(1n).storage.term(lostIndex), net.get(2n).storage.term(lostIndex));
  });

  test('fast back-off: a divergent follower is repaired with one rejection per term, not per entry', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.isolate(1n);
    for (let i = 0; i < 50; i++) net.get(1n).node.propose(Buffer.from(`lost-${i}`));
    net.stabilize();
    net.elect(2n);
    for (let i = 0; i < 50; i++) net.get(2n).node.propose(Buffer.from(`kept-${i}`));
    net.stabilize();
    // A further election makes the leader probe node 1 from the end of its long log.
    net.elect(3n);
    net.heal();
    const before = net.delivered.length;
    net.tickAll(3);
    const rejections = net.delivered.slice(before).filter((m) => m.type === MessageType.AppResp && m.reject);
    assert.ok(rejections.length >= 1 && rejections.length <= 2, `${rejections.length} rejections`);
    assert.equal(net.get(1n).appliedData().length, 50);
    assert.deepEqual(net.get(1n).appliedData(), net.get(2n).appliedData());
  });

  test('flow control: at most maxInflightMsgs appends are in flight to a silent follower', () => {
    const net = new Network([1n, 2n, 3n], { maxInflightMsgs: 3 });
    net.elect(1n);
    net.dropIf = (m) => m.type === MessageType.AppResp && m.from === 2n;
    const before = net.delivered.length;
    for (let i = 0; i < 10; i++) net.propose(1n, `e${i}`);
    const apps = net.delivered.slice(before).filter((m) => m.type === MessageType.App && m.to === 2n && m.entries.length > 0);
    assert.equal(apps.length, 3);
    net.heal();
    net.tickAll(3);
    assert.equal(net.get(2n).appliedData().length, 10);
  });

  test('maxSizePerMsg bounds the entries carried by one append', () => {
    const net = new Network([1n, 2n, 3n], { maxSizePerMsg: 300 });
    net.elect(1n);
    net.isolate(2n);
    const payload = 'x'.repeat(100);
    for (let i = 0; i < 10; i++) net.propose(1n, payload);
    net.heal();
    const before = net.delivered.length;
    net.tickAll(2);
    const apps = net.delivered.slice(before).filter((m) => m.type === MessageType.App && m.to === 2n && m.entries.length > 0);
    assert.ok(apps.length >= 4, `${apps.length} appends`);
    for (const m of apps) assert.ok(m.entries.length <= 2, `an append carried ${m.entries.length} entries`);
    assert.equal(net.get(2n).appliedData().length, 10);
  });

  test('a follower in probe state receives one append until it answers', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.get(1n).node.reportUnreachable(2n);
    assert.equal(net.get(1n).node.status().progress?.get(2n)?.state, 'probe');
    net.dropIf = (m) => m.from === 2n;
    const before = net.delivered.length;
    for (let i = 0; i < 5; i++) net.propose(1n, `e${i}`);
    const apps = net.delivered.slice(before).filter((m) => m.type === MessageType.App && m.to === 2n);
    assert.equal(apps.length, 1);
    net.heal();
    net.tickAll(2);
    assert.equal(net.get(1n).node.status().progress?.get(2n)?.state, 'replicate');
    assert.equal(net.get(2n).appliedData().length, 5);
  });

  test('a follower learns the commit index from heartbeats', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    // Node 3 receives the entry but not the append that would tell it the entry is committed.
    net.get(1n).node.propose(Buffer.from('a'));
    net.deliverOnce(); // App to 2 and 3
    net.deliverOnce(); // AppResps to 1; leader commits
    net.dropIf = (m) => m.type === MessageType.App;
    net.stabilize();
    assert.deepEqual(net.get(1n).appliedData(), ['a']);
    assert.deepEqual(net.get(3n).appliedData(), []);
    net.tickAll(1);
    assert.deepEqual(net.get(3n).appliedData(), ['a']);
  });

  test('a restarted node keeps its term, vote and log and rejoins', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.propose(1n, 'a');
    const two = net.get(2n);
    const before = two.node.status().hardState;
    two.restart();
    assert.deepEqual(two.node.status().hardState, before);
    net.propose(1n, 'b');
    assert.deepEqual(two.appliedData(), ['a', 'b']);
  });

  test('a restart whose persisted commit index trails the applied index resumes without re-applying', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.propose(1n, 'a');
    const two = net.get(2n);
    // The commit index is written without fsync: model losing its last update in a crash.
    const hs = two.node.status().hardState;
    two.storage.setHardState({ ...hs, commit: hs.commit - 1 });
    two.restart();
    assert.equal(two.node.status().hardState.commit, hs.commit);
    net.propose(1n, 'b');
    assert.deepEqual(two.appliedData(), ['a', 'b']);
  });
});

describe('§5.4.2 commit rule', () => {
  test('a majority commits; a minority does not', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.isolate(3n);
    net.propose(1n, 'with-majority');
    assert.deepEqual(net.get(1n).appliedData(), ['with-majority']);
    net.isolate(2n);
    const commit = net.get(1n).commit();
    net.propose(1n, 'alone');
    assert.equal(net.get(1n).commit(), commit);
    assert.deepEqual(net.get(1n).appliedData(), ['with-majority']);
  });

  test('an entry of an earlier term is not committed by counting replicas, only with one of the current term', () => {
    // One entry per append, so followers can hold the old entry without the new leader's no-op.
    const net = new Network([1n, 2n, 3n], { maxSizePerMsg: 1 });
    net.elect(1n);
    net.isolate(1n);
    net.get(1n).node.propose(Buffer.from('old'));
    net.stabilize();
    const oldIndex = net.get(1n).storage.lastIndex();
    const oldTerm = net.get(1n).storage.term(oldIndex);
    // Node 2's failed campaign makes node 1 step down (node 1 refuses it: its log is longer).
    net.heal();
    net.isolate(3n);
    net.elect(2n);
    assert.deepEqual(net.leaders(), []);
    net.heal();
    // Node 1 wins again (its log is the most up to date) and appends its no-op after 'old'.
    net.get(1n).node.campaign();
    // Each follower gets the first probe (which it rejects, lacking 'old'), then 'old' alone; the
    // appends carrying the no-op are dropped.
    const probed = new Set<bigint>();
    net.dropIf = (m) => {
      if (m.type !== MessageType.App || !m.entries.some((e) => e.index > oldIndex)) return false;
      if (probed.has(m.to)) return true;
      probed.add(m.to);
      return false;
    };
    net.stabilize();
    assert.deepEqual(net.leaders(), [1n]);
    for (const id of [2n, 3n]) assert.equal(net.get(id).storage.term(oldIndex), oldTerm, `node ${id} holds 'old'`);
    assert.ok(net.get(1n).commit() < oldIndex, 'the old-term entry must not commit on its own');
    net.heal();
    net.tickAll(2);
    assert.ok(net.get(1n).commit() > oldIndex);
    for (const n of net.nodes.values()) assert.deepEqual(n.appliedData(), ['old']);
  });
});
