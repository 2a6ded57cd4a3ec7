// Randomized simulation of Raft clusters under crashes, partitions and a lossy, reordering,
// duplicating network. Replay one schedule with SIM_SEED=<seed>; run more with SIM_SCHEDULES=<n>.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Schedule, type ScheduleSummary } from './sim/cluster';

const STEPS = Number(process.env.SIM_STEPS ?? 300);
const SCHEDULES = Number(process.env.SIM_SCHEDULES ?? 5000);
const FIRST_SEED = 1;

function seeds(): number[] {
  if (process.env.SIM_SEED !== undefined) return [Number(process.env.SIM_SEED)];
  return Array.from({ length: SCHEDULES }, (_, i) => FIRST_SEED + i);
}

test('randomized schedules keep Raft safe, and it recovers once the faults stop', () => {
  const started = performance.now();
  const totals: ScheduleSummary = { commitIndex: 0, leaderTerms: 0, crashes: 0, snapshotsDelivered: 0, readsServed: 0 };
  const list = seeds();
  for (const seed of list) {
    let summary: ScheduleSummary;
    try {
      summary = new Schedule(seed).run(STEPS);
    } catch (err) {
      const why = err instanceof Error ? (err.stack ?? err.message) : String(err);
      assert.fail(`schedule seed ${seed} failed; replay with SIM_SEED=${seed} npx tsx --test test/raft/sim.test.ts\n${why}`);
    }
    for (const key of Object.keys(totals) as (keyof ScheduleSummary)[]) totals[key] += summary[key];
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`sim: ${list.length} schedules of ${STEPS} steps in ${seconds.toFixed(1)}s (${(list.length / seconds).toFixed(0)}/s)`, totals);

  // Each schedule elects a leader and commits its final write; across many, every fault must have happened.
  assert.ok(totals.leaderTerms >= list.length, `only ${totals.leaderTerms} leader terms`);
  assert.ok(totals.commitIndex >= list.length * 3, `only ${totals.commitIndex} commits`);
  if (list.length >= 100) {
    assert.ok(totals.crashes > 0 && totals.snapshotsDelivered > 0 && totals.readsServed > 0, 'some fault was never exercised');
  }
});
