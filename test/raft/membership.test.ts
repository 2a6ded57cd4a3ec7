import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfChange,
  ConfChangePendingError,
  ConfChangeType,
  decodeConfChange,
  EntryType,
  MemoryStorage,
  NodeId,
  ProposalDroppedError,
  RawNode,
  StateType,
} from '../../src/raft';
import { Network } from './network';

const EMPTY = new Uint8Array(0);
const cc = (type: ConfChangeType, nodeId: NodeId): ConfChange => ({ type, nodeId, context: EMPTY });

describe('§6 cluster membership changes', () => {
  test('an added voter catches up from an empty log and then counts for the quorum', () => {
    const net = new Network([1n, 2n, 3n], {}, [4n]);
    net.elect(1n);
    net.propose(1n, 'before');
    net.proposeConfChange(1n, cc(ConfChangeType.AddNode, 4n));
    assert.deepEqual(net.get(1n).confState.voters, [1n, 2n, 3n, 4n]);
    assert.deepEqual(net.get(4n).appliedData(), ['before']);
    assert.deepEqual(net.get(4n).confState.voters, [1n, 2n, 3n, 4n]);
    // Four voters need three: 1, 2 and 4 commit; 1 and 4 alone do not.
    net.isolate(3n);
    net.propose(1n, 'three-of-four');
    assert.deepEqual(net.get(4n).appliedData(), ['before', 'three-of-four']);
    net.isolate(2n);
    const commit = net.get(1n).commit();
    net.propose(1n, 'two-of-four');
    assert.equal(net.get(1n).commit(), commit);
  });

  test('a learner receives the log but does not count for commit', () => {
    const net = new Network([1n, 2n], {}, [3n]);
    net.elect(1n);
    net.proposeConfChange(1n, cc(ConfChangeType.AddLearnerNode, 3n));
    assert.deepEqual(net.get(1n).confState, { voters: [1n, 2n], learners: [3n] });
    assert.equal(net.get(1n).node.status().progress?.get(3n)?.isLearner, true);
    net.isolate(2n);
    const commit = net.get(1n).commit();
    net.propose(1n, 'needs-2');
    assert.equal(net.get(3n).storage.lastIndex(), net.get(1n).storage.lastIndex(), 'learner holds the entry');
    assert.equal(net.get(1n).commit(), commit, 'a learner ack does not commit');
  });

  test('AddNode on a learner promotes it to a voter', () => {
    const net = new Network([1n, 2n], {}, [3n]);
    net.elect(1n);
    net.proposeConfChange(1n, cc(ConfChangeType.AddLearnerNode, 3n));
    net.proposeConfChange(1n, cc(ConfChangeType.AddNode, 3n));
    assert.deepEqual(net.get(3n).confState, { voters: [1n, 2n, 3n], learners: [] });
    net.isolate(2n);
    net.propose(1n, 'with-3');
    assert.deepEqual(net.get(3n).appliedData(), ['with-3']);
    // The promoted node can now be elected.
    net.heal();
    net.isolate(1n);
    net.elect(3n);
    assert.equal(net.get(3n).state(), StateType.Leader);
  });

  test('removing voters shrinks the quorum', () => {
    const net = new Network([1n, 2n, 3n, 4n, 5n]);
    net.elect(1n);
    net.proposeConfChange(1n, cc(ConfChangeType.RemoveNode, 4n));
    net.proposeConfChange(1n, cc(ConfChangeType.RemoveNode, 5n));
    assert.deepEqual(net.get(1n).confState.voters, [1n, 2n, 3n]);
    assert.deepEqual([...(net.get(1n).node.status().progress?.keys() ?? [])].sort(), [1n, 2n, 3n]);
    net.isolate(3n);
    net.isolate(4n);
    net.isolate(5n);
    net.propose(1n, 'two-of-three');
    assert.deepEqual(net.get(2n).appliedData(), ['two-of-three']);
  });

  test('a leader that removes itself steps down and the others elect a new leader', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.proposeConfChange(1n, cc(ConfChangeType.RemoveNode, 1n));
    assert.equal(net.get(1n).state(), StateType.Follower);
    assert.throws(() => net.get(1n).node.propose(Buffer.from('x')), ProposalDroppedError);
    net.tickAll(30);
    const leaders = net.leaders();
    assert.equal(leaders.length, 1);
    assert.notEqual(leaders[0], 1n);
    net.propose(leaders[0], 'after');
    assert.deepEqual(net.get(2n).appliedData(), ['after']);
    assert.deepEqual(net.get(3n).appliedData(), ['after']);
  });

  test('only one configuration change may be pending at a time', () => {
    const net = new Network([1n, 2n, 3n], {}, [4n, 5n]);
    net.elect(1n);
    const leader = net.get(1n).node;
    leader.proposeConfChange(cc(ConfChangeType.AddNode, 4n));
    assert.throws(() => leader.proposeConfChange(cc(ConfChangeType.AddNode, 5n)), ConfChangePendingError);
    net.stabilize();
    net.proposeConfChange(1n, cc(ConfChangeType.AddNode, 5n));
    assert.deepEqual(net.get(1n).confState.voters, [1n, 2n, 3n, 4n, 5n]);
  });

  test('a forwarded conf change arriving while one is pending is replaced by an empty entry', () => {
    const net = new Network([1n, 2n, 3n], {}, [4n, 5n]);
    net.elect(1n);
    net.get(1n).node.proposeConfChange(cc(ConfChangeType.AddNode, 4n));
    net.get(2n).node.proposeConfChange(cc(ConfChangeType.AddNode, 5n));
    net.stabilize();
    assert.deepEqual(net.get(1n).confState.voters, [1n, 2n, 3n, 4n]);
    const confEntries = net.get(1n).applied.filter((e) => e.type === EntryType.ConfChange);
    assert.deepEqual(confEntries.map((e) => decodeConfChange(e.data).nodeId), [1n, 2n, 3n, 4n]);
  });

  test('a configuration change takes effect only when applyConfChange is called', () => {
    const storage = new MemoryStorage();
    const rn = RawNode.bootstrap({ id: 1n, electionTick: 10, heartbeatTick: 1, storage }, [1n]);
    const drive = (applyConf: boolean): void => {
      while (rn.hasReady()) {
        const rd = rn.ready();
        storage.append(rd.entries);
        if (rd.hardState) storage.setHardState(rd.hardState);
        for (const e of rd.committedEntries) {
          if (e.type === EntryType.ConfChange && applyConf) rn.applyConfChange(decodeConfChange(e.data));
        }
        rn.advance(rd);
      }
    };
    drive(true);
    rn.campaign();
    drive(true);
    rn.proposeConfChange(cc(ConfChangeType.AddNode, 2n));
    drive(false);
    const committed = rn.status().hardState.commit;
    assert.equal(storage.term(committed) > 0, true);
    assert.deepEqual([...(rn.status().progress?.keys() ?? [])], [1n], 'committed but not applied');
    const cs = rn.applyConfChange(cc(ConfChangeType.AddNode, 2n));
    assert.deepEqual(cs.voters, [1n, 2n]);
    assert.deepEqual([...(rn.status().progress?.keys() ?? [])].sort(), [1n, 2n]);
  });

  test('a restarted node rebuilds its configuration from the ConfChange entries it had applied', () => {
    const net = new Network([1n, 2n, 3n], {}, [4n]);
    net.elect(1n);
    net.proposeConfChange(1n, cc(ConfChangeType.AddNode, 4n));
    net.propose(1n, 'a');
    for (const n of net.nodes.values()) n.restart();
    // Node 4 can only win with votes from a configuration that includes it on every node.
    net.isolate(1n);
    net.elect(4n);
    assert.equal(net.get(4n).state(), StateType.Leader);
    net.propose(4n, 'b');
    assert.deepEqual(net.get(2n).appliedData(), ['a', 'b']);
  });

  test('a node restarted with applied = 0 gets its ConfChange entries again and rejoins', () => {
    const net = new Network([1n, 2n, 3n]);
    net.elect(1n);
    net.propose(1n, 'a');
    const two = net.get(2n);
    two.lastApplied = 0;
    two.applied.length = 0;
    two.restart();
    assert.equal(two.node.status().applied, 0);
    net.flush();
    assert.deepEqual(two.confState.voters, [1n, 2n, 3n]);
    assert.deepEqual(two.appliedData(), ['a']);
    net.isolate(1n);
    net.elect(2n);
    assert.equal(two.state(), StateType.Leader);
  });
});
