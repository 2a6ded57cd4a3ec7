import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfChangeType, MessageType, StateType } from '../../src/raft';
import { Network } from './network';

const EMPTY = new Uint8Array(0);

describe('§5.2 election', () => {
  test('a follower campaigns after a randomized timeout in [electionTick, 2*electionTick)', () => {
    const ids = [1n, 2n, 3n, 4n, 5n];
    const net = new Network(ids, { electionTick: 10 });
    const waited: number[] = [];
    for (const id of ids) {
      const n = net.get(id);
      let ticks = 0;
      while (n.state() === StateType.Follower) {
        n.node.tick();
        ticks++;
        assert.ok(ticks < 20, `node ${id} did not campaign within 2*electionTick`);
      }
      assert.ok(ticks >= 10, `node ${id} campaigned after only ${ticks} ticks`);
      waited.push(ticks);
    }
    assert.ok(new Set(waited).size > 1, `timeouts are not randomized: ${waited}`);
  });

  test('a candidate increments its term, votes for itself and asks every voter', () => {
    const net = new Network([1n, 2n, 3n]);
    const before = net.get(1n).term();
    net.get(1n).node.campaign();
    net.flush();
    const st = net.get(1n).node.status();
    assert.equal(st.softState.state, StateType.Candidate);
    assert.equal(st.hardState.term, before + 1);
    assert.equal(st.hardState.vote, 1n);
    const votes = net.queue.filter((m) => m.type === MessageType.Vote);
    assert.deepEqual(votes.map((m) => m.to).sort(), [2n, 3n]);
    assert.ok(votes.every((m) => m.term === before + 1));
  });

  test('a candidate with a majority of votes becomes leader and every node follows it', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    assert.deepEqual(net.leaders(), [1n]);
    for (const n of net.nodes.values()) assert.equal(n.node.status().softState.lead, 1n);
  });

  test('a node grants at most one vote per term (first come, first served)', () => {
    const net = new Network([1n, 2n, 3n]);
    net.get(1n).node.campaign();
    net.get(2n).node.campaign();
    net.stabilize();
    assert.deepEqual(net.leaders(), [1n]);
    assert.equal(net.get(3n).node.status().hardState.vote, 1n);
    const to2 = net.delivered.filter((m) => m.type === MessageType.VoteResp && m.to === 2n);
    assert.ok(to2.length > 0 && to2.every((m) => m.reject));
  });

  test('a split vote is resolved by a new election at a higher term', () => {
    const net = new Network([1n, 2n, 3n]);
    net.isolate(3n);
    net.get(1n).node.campaign();
    net.get(2n).node.campaign();
    net.stabilize();
    assert.deepEqual(net.leaders(), []);
    const splitTerm = net.get(1n).term();
    net.heal();
    net.tickAll(20);
    assert.equal(net.leaders().length, 1);
    assert.ok(net.get(net.leaders()[0]).term() > splitTerm);
  });

  test('a stale leader steps down when it sees a higher term', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.isolate(1n);
    net.elect(2n);
    assert.deepEqual(net.leaders().sort(), [1n, 2n]);
    net.heal();
    net.tickAll(2);
    assert.deepEqual(net.leaders(), [2n]);
    assert.equal(net.get(1n).term(), net.get(2n).term());
  });

  test('check-quorum: a leader that hears from no quorum for an election timeout steps down', () => {
    const net = new Network([1n, 2n, 3n], { checkQuorum: true, electionTick: 10 });
    net.elect(1n);
    net.isolate(1n);
    const leader = net.get(1n);
    for (let i = 0; i < 10; i++) leader.node.tick();
    assert.equal(leader.state(), StateType.Leader, 'one timeout of silence may be the first check');
    for (let i = 0; i < 10; i++) leader.node.tick();
    assert.equal(leader.state(), StateType.Follower);
  });

  test('check-quorum: a leader that hears from a quorum keeps leading', () => {
    const net = new Network([1n, 2n, 3n], { checkQuorum: true });
    net.elect(1n);
    net.isolate(3n);
    net.tickAll(50);
    assert.equal(net.get(1n).state(), StateType.Leader);
  });

  test('leader lease: with check-quorum a follower ignores a vote request while its leader is alive', () => {
    const net = new Network([1n, 2n, 3n], { checkQuorum: true });
    net.elect(1n);
    const term = net.get(2n).term();
    net.isolate(3n);
    const three = net.get(3n);
    while (three.state() !== StateType.Candidate) three.node.tick();
    net.heal();
    const delivered = net.deliverOnce();
    assert.ok(delivered.some((m) => m.type === MessageType.Vote && m.to === 2n));
    net.flush();
    assert.equal(net.get(2n).term(), term);
    assert.ok(!net.queue.some((m) => m.type === MessageType.VoteResp && m.from === 2n));
  });

  test('check-quorum: a cut-off leader learns of the newer term from the answers to its heartbeats', () => {
    const net = new Network([1n, 2n, 3n], { checkQuorum: true });
    net.elect(1n);
    net.isolate(1n);
    for (let i = 0; i < 40 && !net.leaders().some((id) => id !== 1n); i++) {
      net.get(2n).node.tick();
      net.get(3n).node.tick();
      net.stabilize();
    }
    const newLeader = net.leaders().find((id) => id !== 1n);
    assert.ok(newLeader !== undefined);
    // Tell node 1 nothing but the answers to its own heartbeats.
    net.heal();
    net.dropIf = (m) => m.to === 1n && m.type !== MessageType.AppResp;
    net.get(1n).node.tick();
    net.stabilize();
    assert.equal(net.get(1n).state(), StateType.Follower);
    assert.equal(net.get(1n).term(), net.get(newLeader).term());
  });

  test('messages that only a node itself may generate are ignored when they come from the network', () => {
    const net = new Network([1n, 2n, 3n]);
    net.get(1n).node.step({
      type: MessageType.Hup, to: 1n, from: 2n, term: 0, logTerm: 0, index: 0, entries: [], commit: 0,
      reject: false, rejectHint: 0,
    });
    net.flush();
    assert.equal(net.get(1n).state(), StateType.Follower);
    assert.equal(net.queue.length, 0);
  });

  test('a learner never campaigns', () => {
    const net = new Network([1n, 2n, 3n], {}, [4n]);
    net.elect(1n);
    net.proposeConfChange(1n, { type: ConfChangeType.AddLearnerNode, nodeId: 4n, context: EMPTY });
    assert.deepEqual(net.get(4n).confState.learners, [4n]);
    net.isolate(4n);
    for (let i = 0; i < 100; i++) net.get(4n).node.tick();
    net.flush();
    assert.equal(net.get(4n).state(), StateType.Follower);
    assert.ok(!net.queue.some((m) => m.from === 4n));
  });

  test('a removed node never campaigns', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.proposeConfChange(1n, { type: ConfChangeType.RemoveNode, nodeId: 3n, context: EMPTY });
    assert.deepEqual(net.get(3n).confState.voters, [1n, 2n]);
    net.isolate(3n);
    for (let i = 0; i < 100; i++) net.get(3n).node.tick();
    net.flush();
    assert.equal(net.get(3n).state(), StateType.Follower);
    assert.ok(!net.queue.some((m) => m.from === 3n));
  });
});

describe('§5.4.1 election restriction', () => {
  test('a voter rejects a candidate whose log is less up to date', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.isolate(3n);
    net.propose(1n, 'only-on-1-and-2');
    net.heal();
    net.isolate(1n);
    net.elect(3n);
    assert.notEqual(net.get(3n).state(), StateType.Leader);
    const resp = net.delivered.filter((m) => m.type === MessageType.VoteResp && m.to === 3n);
    assert.ok(resp.length > 0 && resp.every((m) => m.reject));
    net.elect(2n);
    assert.equal(net.get(2n).state(), StateType.Leader);
    assert.deepEqual(net.get(2n).appliedData(), ['only-on-1-and-2']);
  });

  test('a log whose last term is higher is more up to date even if shorter', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    // Node 1 collects entries of its term that nobody else gets.
    net.isolate(1n);
    net.get(1n).node.propose(Buffer.from('lost-1'));
    net.get(1n).node.propose(Buffer.from('lost-2'));
    net.stabilize();
    // Nodes 2 and 3 move on to a new term with one committed entry.
    net.elect(2n);
    net.propose(2n, 'kept');
    // Node 3 (shorter log, newer last term) wins against node 1's longer, older log.
    net.heal();
    net.isolate(2n);
    net.elect(3n);
    assert.equal(net.get(3n).state(), StateType.Leader);
    net.heal();
    net.tickAll(3);
    for (const n of net.nodes.values()) assert.deepEqual(n.appliedData(), ['kept']);
  });
});

describe('§9.6 pre-vote (thesis)', () => {
  test('a partitioned node does not raise its term', () => {
    const net = new Network([1n, 2n, 3n], { preVote: true });
    net.elect(1n);
    const term = net.get(3n).term();
    net.isolate(3n);
    for (let i = 0; i < 100; i++) net.get(3n).node.tick();
    net.flush();
    assert.equal(net.get(3n).term(), term);
    assert.equal(net.get(3n).state(), StateType.PreCandidate);
  });

  test('a node rejoining after a partition does not disrupt the leader', () => {
    const net = new Network([1n, 2n, 3n], { preVote: true });
    net.elect(1n);
    const term = net.get(1n).term();
    net.isolate(3n);
    for (let i = 0; i < 100; i++) net.get(3n).node.tick();
    net.heal();
    net.tickAll(5);
    assert.deepEqual(net.leaders(), [1n]);
    assert.equal(net.get(1n).term(), term);
    assert.equal(net.get(3n).state(), StateType.Follower);
  });

  test('an election with pre-vote raises the term exactly once', () => {
    const net = new Network([1n, 2n, 3n], { preVote: true });
    const term = net.get(1n).term();
    net.elect(1n);
    assert.deepEqual(net.leaders(), [1n]);
    assert.equal(net.get(1n).term(), term + 1);
    assert.ok(net.delivered.some((m) => m.type === MessageType.PreVote));
  });

  test('granting a pre-vote changes neither the term nor the vote of the voter', () => {
    const net = new Network([1n, 2n, 3n], { preVote: true });
    const before = net.get(2n).node.status().hardState;
    net.get(1n).node.campaign();
    net.deliverOnce(); // PreVote requests reach 2 and 3
    net.flush();
    const grant = net.queue.find((m) => m.type === MessageType.PreVoteResp && m.from === 2n);
    assert.ok(grant && !grant.reject);
    assert.deepEqual(net.get(2n).node.status().hardState, before);
  });

  test('a pre-candidate with a stale log is refused and does not bump anybody', () => {
    const net = new Network([1n, 2n, 3n], { preVote: true });
    net.elect(1n);
    net.isolate(3n);
    net.propose(1n, 'x');
    net.heal();
    net.isolate(1n);
    const term = net.get(2n).term();
    net.elect(3n);
    assert.notEqual(net.get(3n).state(), StateType.Leader);
    assert.ok(net.delivered.some((m) => m.type === MessageType.PreVoteResp && m.from === 2n && m.reject));
    assert.equal(net.get(2n).term(), term);
    assert.equal(net.get(3n).term(), term);
  });
});
