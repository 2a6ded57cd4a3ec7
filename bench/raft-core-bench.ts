// Raft core throughput: proposals committed and applied per second by a 3-node cluster held in
// one process, with every message delivered synchronously and storage in memory, so the figure
// is the cost of the state machine itself (no disk, no network, no encoding).

import { MemoryStorage, RawNode, type Message, type NodeId } from '../src/raft';

export interface RaftCoreResult {
  inFlight: number;
  proposals: number;
  proposalsPerSecond: number;
}

const IDS: NodeId[] = [1n, 2n, 3n];
const ENTRY_BYTES = 256;
/** The log is compacted every so often so memory stays flat over a long run. */
const COMPACT_EVERY = 10_000;

interface BenchNode {
  raw: RawNode;
  storage: MemoryStorage;
  applied: number;
}

function startCluster(): BenchNode[] {
  return IDS.map((id) => {
    const storage = new MemoryStorage();
    storage.applySnapshot({ metadata: { index: 1, term: 1, confState: { voters: IDS, learners: [] } }, data: new Uint8Array() });
    storage.setHardState({ term: 1, vote: 0n, commit: 1 });
    const raw = new RawNode({ id, electionTick: 10, heartbeatTick: 1, storage, applied: 1 });
    return { raw, storage, applied: 1 };
  });
}

/** Runs every Ready and delivers every message until the cluster is quiet. */
function pump(nodes: BenchNode[]): void {
  let busy = true;
  while (busy) {
    busy = false;
    const outbox: Message[] = [];
    for (const n of nodes) {
      if (!n.raw.hasReady()) continue;
      busy = true;
      const rd = n.raw.ready();
      if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
      n.storage.append(rd.entries);
      if (rd.hardState) n.storage.setHardState(rd.hardState);
      outbox.push(...rd.messages);
      if (rd.committedEntries.length > 0) n.applied = rd.committedEntries[rd.committedEntries.length - 1].index;
      n.raw.advance(rd);
      if (n.applied - n.storage.firstIndex() > COMPACT_EVERY) n.storage.compact(n.applied);
    }
    for (const m of outbox) nodes[Number(m.to) - 1].raw.step(m);
  }
}

/** Keeps `inFlight` proposals outstanding at the leader for about `budgetMs`. */
export function benchRaftCore(inFlight: number, budgetMs: number): RaftCoreResult {
  const nodes = startCluster();
  const leader = nodes[0];
  leader.raw.campaign();
  pump(nodes);
  const payload = new Uint8Array(ENTRY_BYTES).fill(0x62);
  const startApplied = leader.applied;
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    for (let i = 0; i < inFlight; i++) leader.raw.propose(payload);
    pump(nodes);
  }
  const seconds = (performance.now() - start) / 1000;
  const proposals = leader.applied - startApplied;
  if (nodes.some((n) => n.applied !== leader.applied)) throw new Error('followers did not apply everything');
  return { inFlight, proposals, proposalsPerSecond: proposals / seconds };
}
