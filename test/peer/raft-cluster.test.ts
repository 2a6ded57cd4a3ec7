// Three real Raft nodes talking over PeerTransports: proves the codec and the transport end to end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerTransport } from '../../src/peer';
import {
  decodeConfChange,
  EntryType,
  MemoryStorage,
  RawNode,
  StateType,
  type ConfState,
} from '../../src/raft';
import { silent, waitFor } from './helpers';

const CLUSTER = 0xc1n;
const IDS = [1n, 2n, 3n];

/** One member: a RawNode on MemoryStorage, ticked by a timer, whose state machine is a list of strings. */
class TestMember {
  readonly storage = new MemoryStorage();
  readonly node: RawNode;
  readonly transport: PeerTransport;
  applied: string[] = [];
  appliedIndex = 0;
  confState: ConfState = { voters: [], learners: [] };
  private readonly ticker: NodeJS.Timeout;

  constructor(readonly id: bigint) {
    this.node = RawNode.bootstrap({ id, electionTick: 10, heartbeatTick: 1, storage: this.storage }, IDS);
    this.transport = new PeerTransport({
      memberId: id,
      clusterId: CLUSTER,
      logger: silent,
      onMessage: (m) => {
        this.node.step(m);
        this.process();
      },
      onUnreachable: (peer) => {
        this.node.reportUnreachable(peer);
        this.process();
      },
      onSnapshotStatus: (peer, ok) => {
        this.node.reportSnapshot(peer, ok);
        this.process();
      },
    });
    this.ticker = setInterval(() => {
      this.node.tick();
      this.process();
    }, 10);
  }

  isLeader(): boolean {
    return this.node.status().softState.state === StateType.Leader;
  }

  leader(): bigint {
    return this.node.status().softState.lead;
  }

  propose(value: string): void {
    this.node.propose(Buffer.from(value));
    this.process();
  }

  /** Snapshots the applied state and drops the log up to it, so lagging followers need the snapshot. */
  compact(): void {
    const data = Buffer.from(JSON.stringify(this.applied));
    this.storage.createSnapshot(this.appliedIndex, this.confState, data);
    this.storage.compact(this.appliedIndex);
  }

  process(): void {
    while (this.node.hasReady()) {
      const rd = this.node.ready();
      if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
      this.storage.append(rd.entries);
      if (rd.hardState) this.storage.setHardState(rd.hardState);
      this.transport.send(rd.messages);
      if (rd.snapshot) {
        this.applied = JSON.parse(Buffer.from(rd.snapshot.data).toString()) as string[];
        this.appliedIndex = rd.snapshot.metadata.index;
        this.confState = rd.snapshot.metadata.confState;
      }
      for (const e of rd.committedEntries) {
        if (e.type === EntryType.ConfChange) this.confState = this.node.applyConfChange(decodeConfChange(e.data));
        else if (e.data.length > 0) this.applied.push(Buffer.from(e.data).toString());
        this.appliedIndex = e.index;
      }
      this.node.advance(rd);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    await this.transport.close();
  }
}

async function startCluster(): Promise<TestMember[]> {
  const members = IDS.map((id) => new TestMember(id));
  const urls = await Promise.all(members.map(async (m) => (await m.transport.listen(['http://127.0.0.1:0']))[0].url));
  for (const m of members) {
    members.forEach((peer, i) => {
      if (peer !== m) m.transport.addPeer(peer.id, [urls[i]]);
    });
  }
  return members;
}

/** Waits until exactly one of `members` leads and all of them follow it. */
async function agreedLeader(members: TestMember[]): Promise<TestMember> {
  let leader: TestMember | undefined;
  await waitFor('a leader', () => {
    const leaders = members.filter((m) => m.isLeader());
    leader = leaders.length === 1 && members.every((m) => m.leader() === leaders[0].id) ? leaders[0] : undefined;
    return leader !== undefined;
  }, 10000);
  return leader!;
}

/** Cuts `id` off from everyone, in both directions. */
function isolate(members: TestMember[], id: bigint | undefined): void {
  for (const m of members) m.transport.setLinkFilter((from, to) => id === undefined || (from !== id && to !== id));
}

describe('Raft over PeerTransport', () => {
  it('elects a leader and replicates proposals to every member', async () => {
    const members = await startCluster();
    try {
      const leader = await agreedLeader(members);
      const values = Array.from({ length: 30 }, (_, i) => `v${i}`);
      for (const v of values) leader.propose(v);
      await waitFor('replication', () => members.every((m) => m.applied.length === values.length), 10000);
      for (const m of members) assert.deepEqual(m.applied, values);
    } finally {
      await Promise.all(members.map((m) => m.close()));
    }
  });

  it('survives a partitioned leader and catches a lagging follower up by snapshot', async () => {
    const members = await startCluster();
    try {
      const first = await agreedLeader(members);
      first.propose('before');
      await waitFor('first entry', () => members.every((m) => m.applied.length === 1), 10000);

      // The majority elects a new leader without the old one and keeps committing.
      isolate(members, first.id);
      const rest = members.filter((m) => m !== first);
      const second = await agreedLeader(rest);
      assert.notEqual(second.id, first.id);
      for (let i = 0; i < 20; i++) second.propose(`during${i}`);
      await waitFor('majority commits', () => rest.every((m) => m.applied.length === 21), 10000);
      assert.equal(first.applied.length, 1);

      // The new leader compacts its log, so the old leader can only catch up through a snapshot.
      second.compact();
      isolate(members, undefined);
      await waitFor('catch-up', () => first.applied.length === 21, 15000);
      assert.deepEqual(first.applied, second.applied);
      assert.equal(first.storage.snapshot().metadata.index, second.storage.snapshot().metadata.index);
      second.propose('after');
      await waitFor('all commit after heal', () => members.every((m) => m.applied.at(-1) === 'after'), 10000);
    } finally {
      await Promise.all(members.map((m) => m.close()));
    }
  });
});
