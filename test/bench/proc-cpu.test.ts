import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { cpuMicros, parseProcStat, processTree } from "../../bench/proc-cpu";

const linux = process.platform === "linux";

test("parseProcStat counts fields after the last parenthesis of the command name", () => {
  const line = "4242 (we (ird) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 8 0 1000 1 1 1";
  assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 17, cpuTicks: 325 });
  assert.throws(() => parseProcStat("garbage"), /malformed/);
});

test("cpuMicros grows with the CPU this process burns", { skip: !linux }, () => {
  const before = cpuMicros([process.pid]);
  const usageBefore = process.cpuUsage();
  let spin = 0;
  while (process.cpuUsage(usageBefore).user < 200_000) spin++;
  const grown = cpuMicros([process.pid]) - before;
  assert.ok(spin > 0);
  // /proc counts in 10 ms ticks, so allow that much slack on 200 ms of work.
  assert.ok(grown >= 150_000, `only ${grown} µs seen`);
});

test("processTree includes children of the given processes", { skip: !linux }, async () => {
  const child = spawn("sleep", ["5"]);
  try {
    await once(child, "spawn");
    assert.ok(processTree([process.pid]).includes(child.pid!));
    assert.deepEqual(processTree([child.pid!]), [child.pid]);
  } finally {
    child.kill();
  }
});
