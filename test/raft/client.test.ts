import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfChangeType, MemoryStorage, MessageType, NONE, ProposalDroppedError, RawNode, StateType } from '../../src/raft';
import { Network } from './network';

const ctx = (s: string): Uint8Array => Buffer.from(s);
const text = (b: Uint8Array): string => Buffer.from(b).toString();

describe('§8 client interaction', () => {
  test('a proposal on a node that knows no leader is refused', () => {
    const net = new Network([1n, 2n, 3n]);
    assert.throws(() => net.get(1n).node.propose(Buffer.from('x')), ProposalDroppedError);
  });

  test('a proposal on a candidate is refused', () => {
    const net = new Network([1n, 2n, 3n]);
    net.get(1n).node.campaign();
    assert.equal(net.get(1n).state(), StateType.Candidate);
    assert.throws(() => net.get(1n).node.propose(Buffer.from('x')), ProposalDroppedError);
  });

  test('a follower forwards proposals to the leader', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.get(3n).node.propose(Buffer.from('via-3'));
    net.flush();
    const fwd = net.queue.find((m) => m.type === MessageType.Prop);
    assert.ok(fwd);
    assert.equal(fwd.from, 3n);
    assert.equal(fwd.to, 1n);
    net.stabilize();
    assert.deepEqual(net.get(1n).appliedData(), ['via-3']);
  });

  test('committed entries are handed out exactly once, in order', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    for (let i = 0; i < 20; i++) net.get(1n).node.propose(Buffer.from(`p${i}`));
    net.stabilize();
    net.tickAll(5);
    const want = Array.from({ length: 20 }, (_, i) => `p${i}`);
    for (const n of net.nodes.values()) assert.deepEqual(n.appliedData(), want);
  });

  test('a proposal duplicated by the network becomes two entries without corrupting the first', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.get(2n).node.propose(Buffer.from('dup'));
    net.flush();
    const prop = net.queue.find((m) => m.type === MessageType.Prop);
    assert.ok(prop);
    net.queue.push(prop);
    net.stabilize();
    const dups = net.get(1n).applied.filter((e) => text(e.data) === 'dup');
    assert.equal(dups.length, 2);
    assert.notEqual(dups[0].index, dups[1].index);
  });
});

describe('§6.4 read index (thesis)', () => {
  test('the leader answers a read only after a heartbeat round confirms it still leads', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.propose(1n, 'a');
    const leader = net.get(1n);
    leader.node.readIndex(ctx('r1'));
    net.flush();
    assert.equal(leader.readStates.length, 0);
    const hbs = net.queue.filter((m) => m.type === MessageType.Heartbeat);
    assert.equal(hbs.length, 2);
    assert.ok(hbs.every((m) => m.context && text(m.context) === 'r1'));
    net.stabilize();
    assert.deepEqual(leader.readStates.map((rs) => [rs.index, text(rs.requestCtx)]), [[leader.commit(), 'r1']]);
  });

  test('a follower forwards the read to the leader and gets the read state back', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.propose(1n, 'a');
    net.get(2n).node.readIndex(ctx('r2'));
    net.stabilize();
    assert.deepEqual(net.get(2n).readStates.map((rs) => [rs.index, text(rs.requestCtx)]), [[net.get(1n).commit(), 'r2']]);
    assert.equal(net.get(1n).readStates.length, 0);
  });

  test('a leader cut off from the majority never answers', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.isolate(1n);
    net.get(1n).node.readIndex(ctx('r'));
    net.tickAll(5);
    assert.equal(net.get(1n).readStates.length, 0);
  });

  test('a single-voter cluster answers at once', () => {
    const storage = new MemoryStorage();
    const rn = RawNode.bootstrap({ id: 1n, electionTick: 10, heartbeatTick: 1, storage }, [1n]);
    const drain = (): void => {
      while (rn.hasReady()) {
        const rd = rn.ready();
        storage.append(rd.entries);
        rn.advance(rd);
      }
    };
    drain();
    rn.campaign();
    drain();
    rn.readIndex(ctx('solo'));
    const rd = rn.ready();
    assert.deepEqual(rd.readStates.map((rs) => [rs.index, text(rs.requestCtx)]), [[rn.status().hardState.commit, 'solo']]);
    assert.equal(rd.messages.length, 0);
  });

  test('a new leader answers only after committing an entry of its own term', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.propose(1n, 'a');
    net.get(2n).node.campaign();
    net.deliverOnce(); // vote requests
    net.deliverOnce(); // vote responses: 2 leads and appends its no-op
    assert.equal(net.get(2n).state(), StateType.Leader);
    net.dropIf = (m) => m.type === MessageType.AppResp;
    net.get(2n).node.readIndex(ctx('early'));
    net.stabilize();
    assert.equal(net.get(2n).readStates.length, 0);
    net.heal();
    net.tickAll(1);
    const rs = net.get(2n).readStates;
    assert.equal(rs.length, 1);
    assert.equal(net.get(2n).storage.term(rs[0].index), net.get(2n).term());
  });

  test('a read on a node that knows no leader is refused', () => {
    const net = new Network([1n, 2n, 3n]);
    assert.throws(() => net.get(1n).node.readIndex(ctx('x')), ProposalDroppedError);
  });
});

describe('§3.10 leader transfer (thesis)', () => {
  test('leadership moves to an up-to-date follower at the next term', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    const term = net.get(1n).term();
    net.get(1n).node.transferLeader(2n);
    net.stabilize();
    assert.deepEqual(net.leaders(), [2n]);
    assert.equal(net.get(2n).term(), term + 1);
    assert.ok(net.delivered.some((m) => m.type === MessageType.TimeoutNow && m.to === 2n));
  });

  test('a lagging transferee is caught up before TimeoutNow is sent', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.isolate(3n);
    for (let i = 0; i < 5; i++) net.propose(1n, `e${i}`);
    net.heal();
    const before = net.delivered.length;
    net.get(1n).node.transferLeader(3n);
    net.stabilize();
    const sent = net.delivered.slice(before).filter((m) => m.to === 3n).map((m) => m.type);
    assert.ok(sent.indexOf(MessageType.App) >= 0 && sent.indexOf(MessageType.App) < sent.indexOf(MessageType.TimeoutNow));
    assert.deepEqual(net.leaders(), [3n]);
    assert.equal(net.get(3n).appliedData().length, 5);
  });

  test('proposals are refused while a transfer is in progress, and accepted again once it is abandoned', () => {
    const net = new Network([1n, 2n, 3n], { electionTick: 10 });
    net.elect(1n);
    net.cutLink(1n, 2n);
    net.get(1n).node.transferLeader(2n);
    net.stabilize();
    assert.equal(net.get(1n).node.status().leadTransferee, 2n);
    assert.throws(() => net.get(1n).node.propose(Buffer.from('x')), ProposalDroppedError);
    // A proposal forwarded by a follower is dropped silently at the leader.
    net.get(3n).node.propose(Buffer.from('fwd'));
    const last = net.get(1n).storage.lastIndex();
    net.stabilize();
    assert.equal(net.get(1n).storage.lastIndex(), last);
    for (let i = 0; i < 10; i++) net.get(1n).node.tick();
    assert.equal(net.get(1n).node.status().leadTransferee, NONE);
    assert.equal(net.get(1n).state(), StateType.Leader);
    net.heal();
    net.propose(1n, 'after-abort');
    assert.deepEqual(net.get(2n).appliedData(), ['after-abort']);
  });

  test('a transfer requested on a follower is forwarded to the leader', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.get(2n).node.transferLeader(3n);
    net.stabilize();
    assert.deepEqual(net.leaders(), [3n]);
  });

  test('TimeoutNow overrides the followers leader lease under check-quorum', () => {
    const net = new Network([1n, 2n, 3n], { checkQuorum: true, preVote: true });
    net.elect(1n);
    net.get(1n).node.transferLeader(3n);
    net.stabilize();
    assert.deepEqual(net.leaders(), [3n]);
  });

  test('a transfer to a learner is ignored', () => {
    const net = new Network([1n, 2n], {}, [3n]);
    net.elect(1n);
    net.proposeConfChange(1n, { type: ConfChangeType.AddLearnerNode, nodeId: 3n, context: new Uint8Array(0) });
    net.get(1n).node.transferLeader(3n);
    net.stabilize();
    assert.deepEqual(net.leaders(), [1n]);
    assert.equal(net.get(1n).node.status().leadTransferee, NONE);
  });
});
