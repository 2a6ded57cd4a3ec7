// `npm run bench:raft`: the Raft core's throughput in memory, then the durable log's group
// commit on this disk. Results go into docs/benchmarks.md by hand.

import * as os from 'node:os';
import { benchRaftCore } from './raft-core-bench';
import { benchLogStore } from './raft-log-store-bench';

const CORE_BUDGET_MS = 5_000;
const LOG_BUDGET_MS = 5_000;

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, ${new Date().toISOString()}`);
  console.log('\nRaft core, 3 voters in one process, synchronous delivery, 256-byte proposals');
  for (const inFlight of [1, 100, 1000]) {
    const r = benchRaftCore(inFlight, CORE_BUDGET_MS);
    console.log(`  ${pad(inFlight)} proposals per round: ${fmt(r.proposalsPerSecond)} proposals/s (${r.proposals} total)`);
  }
  console.log(`\nRaftLogStore on ${os.tmpdir()}, 256-byte entries, one synced batch per save()`);
  for (const perSave of [1, 10, 100, 1000]) {
    const r = await benchLogStore(perSave, LOG_BUDGET_MS);
    console.log(`  ${pad(perSave)} entries per save: ${fmt(r.entriesPerSecond)} entries/s, ${fmt(r.fsyncsPerSecond)} fsyncs/s (${r.saves} saves)`);
  }
}

function pad(n: number): string {
  return String(n).padStart(4);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(9);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
