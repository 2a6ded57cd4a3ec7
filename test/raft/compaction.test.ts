import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompactedError,
  ConfChangeType,
  decodeConfChange,
  encodeConfChange,
  Entry,
  EntryType,
  MemoryStorage,
  MessageType,
  SnapshotOutOfDateError,
  UnavailableError,
} from '../../src/raft';
import { Network } from './network';

const ent = (index: number, term: number, data = ''): Entry => ({ index, term, type: EntryType.Normal, data: Buffer.from(data) });

/** Makes the leader snapshot its applied state and drop the log below it. */
function compactLeader(net: Network, id: bigint): number {
  const n = net.get(id);
  const index = n.lastApplied;
  n.storage.createSnapshot(index, n.confState, Buffer.from(`state@${index}`));
  n.storage.compact(index);
  return index;
}

describe('§7 log compaction: MemoryStorage', () => {
  test('append, term and entries over a contiguous log', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1, 'a'), ent(2, 1, 'b'), ent(3, 2, 'c')]);
    assert.equal(s.firstIndex(), 1);
    assert.equal(s.lastIndex(), 3);
    assert.equal(s.term(0), 0);
    assert.equal(s.term(3), 2);
    assert.deepEqual(s.entries(1, 4, Infinity).map((e) => e.index), [1, 2, 3]);
    assert.throws(() => s.entries(2, 5, Infinity), UnavailableError);
    assert.throws(() => s.term(4), UnavailableError);
  });

  test('append replaces a conflicting suffix and refuses a gap', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
    s.append([ent(2, 2)]);
    assert.equal(s.lastIndex(), 2);
    assert.equal(s.term(2), 2);
    assert.throws(() => s.append([ent(5, 2)]), /missing log entries/);
  });

  test('entries honours maxBytes but returns at least one entry', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1, 'x'.repeat(100)), ent(2, 1, 'x'.repeat(100)), ent(3, 1, 'x'.repeat(100))]);
    assert.equal(s.entries(1, 4, 1).length, 1);
    assert.equal(s.entries(1, 4, 250).length, 2);
  });

  test('createSnapshot then compact drops the entries the snapshot covers', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
    const snap = s.createSnapshot(3, { voters: [1n], learners: [] }, Buffer.from('state'));
    assert.deepEqual(snap.metadata, { index: 3, term: 2, confState: { voters: [1n], learners: [] } });
    s.compact(3);
    assert.equal(s.firstIndex(), 4);
    assert.equal(s.term(3), 2, 'the term just below the first index stays known');
    assert.throws(() => s.term(2), CompactedError);
    assert.throws(() => s.entries(3, 5, Infinity), CompactedError);
    assert.throws(() => s.compact(3), CompactedError);
    assert.throws(() => s.createSnapshot(2, { voters: [], learners: [] }, Buffer.alloc(0)), SnapshotOutOfDateError);
    assert.deepEqual(s.initialState().confState, { voters: [1n], learners: [] });
  });

  test('applySnapshot replaces the log and refuses an older snapshot', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1)]);
    const meta = { index: 10, term: 3, confState: { voters: [1n, 2n], learners: [] } };
    s.applySnapshot({ metadata: meta, data: Buffer.from('x') });
    assert.equal(s.firstIndex(), 11);
    assert.equal(s.lastIndex(), 10);
    assert.equal(s.term(10), 3);
    assert.throws(() => s.applySnapshot({ metadata: { ...meta, index: 5 }, data: Buffer.alloc(0) }), SnapshotOutOfDateError);
  });

  test('ConfChange entry data round-trips', () => {
    const cc = { type: ConfChangeType.AddLearnerNode, nodeId: 0xfedcba9876543210n, context: Buffer.from('{"name":"n4"}') };
    const back = decodeConfChange(encodeConfChange(cc));
    assert.equal(back.type, cc.type);
    assert.equal(back.nodeId, cc.nodeId);
    assert.deepEqual(Buffer.from(back.context), cc.context);
    assert.throws(() => decodeConfChange(new Uint8Array(3)));
  });
});

describe('§7 log compaction: snapshots', () => {
  test('a follower that needs compacted entries receives the snapshot and then the log after it', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.isolate(3n);
    for (let i = 0; i < 10; i++) net.propose(1n, `e${i}`);
    const snapIndex = compactLeader(net, 1n);
    net.heal();
    net.tickAll(3);
    assert.ok(net.delivered.some((m) => m.type === MessageType.Snap && m.to === 3n));
    const three = net.get(3n);
    assert.equal(three.storage.snapshot().metadata.index, snapIndex);
    assert.equal(Buffer.from(three.storage.snapshot().data).toString(), `state@${snapIndex}`);
    assert.deepEqual(three.confState.voters, [1n, 2n, 3n]);
    net.propose(1n, 'after');
    assert.deepEqual(three.appliedData(), ['after']);
    assert.equal(three.lastApplied, net.get(1n).lastApplied);
  });

  test('a failed snapshot send returns the follower to probing and a retry succeeds', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.isolate(3n);
    for (let i = 0; i < 5; i++) net.propose(1n, `e${i}`);
    compactLeader(net, 1n);
    net.heal();
    net.dropIf = (m) => m.type === MessageType.Snap;
    net.tickAll(2);
    assert.equal(net.get(1n).node.status().progress?.get(3n)?.state, 'snapshot');
    net.get(1n).node.reportSnapshot(3n, false);
    assert.equal(net.get(1n).node.status().progress?.get(3n)?.state, 'probe');
    net.heal();
    net.tickAll(3);
    assert.equal(net.get(1n).node.status().progress?.get(3n)?.state, 'replicate');
    assert.equal(net.get(3n).lastApplied, net.get(1n).lastApplied);
  });

  test('a node restarts from its snapshot plus the log after it', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    for (let i = 0; i < 5; i++) net.propose(1n, `e${i}`);
    const two = net.get(2n);
    const snapIndex = two.lastApplied;
    two.storage.createSnapshot(snapIndex, two.confState, Buffer.from('s'));
    two.storage.compact(snapIndex);
    net.propose(1n, 'tail');
    two.restart();
    assert.equal(two.node.status().hardState.commit, net.get(1n).commit());
    net.isolate(1n);
    net.elect(2n);
    assert.equal(two.node.status().softState.lead, 2n);
    net.propose(2n, 'new-leader');
    assert.deepEqual(net.get(3n).appliedData().slice(-2), ['tail', 'new-leader']);
  });
});
