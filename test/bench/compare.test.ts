import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTable, median, tableRows, type RunFigures } from "../../bench/compare";
import { share } from "../../bench/load";

function run(rps: number, cpu: number): RunFigures {
  return { rps, p50: 1, p99: 2, cpu, errors: 0, clientCores: 0.5 };
}

test("median ignores missing figures", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([NaN])));
  assert.equal(median([NaN, 5]), 5);
});

test("share splits work into parts that differ by at most one and add up", () => {
  const parts = [0, 1, 2].map((i) => share(10, 3, i));
  assert.deepEqual(parts, [4, 3, 3]);
  assert.equal(share(1, 2, 1), 0);
});

test("table rows compare medians and show the tetcd/etcd ratio", () => {
  const scenario = {
    id: "s",
    title: "put",
    clusterOnly: false,
    target: "leader" as const,
    load: {} as never,
    metrics: ["rps" as const, "cpu" as const],
  };
  const results = new Map([
    [
      "s",
      new Map([
        ["etcd" as const, [run(1000, 100), run(3000, 300), run(2000, 200)]],
        ["tetcd" as const, [run(1000, 400)]],
      ]),
    ],
  ]);
  const rows = tableRows([scenario], results);
  assert.deepEqual(rows, [
    { scenario: "put", metric: "req/s", etcd: "2000", tetcd: "1000", ratio: "0.50" },
    { scenario: "put", metric: "server CPU µs/req", etcd: "200.0", tetcd: "400.0", ratio: "2.00" },
  ]);
  const table = formatTable(rows).split("\n");
  assert.equal(table.length, 4);
  assert.match(table[0], /^scenario\s+metric\s+etcd\s+tetcd\s+tetcd\/etcd$/);
  assert.match(table[3], /400\.0\s+2\.00$/);
});

test("a server without figures shows dashes instead of a ratio", () => {
  const scenario = {
    id: "s",
    title: "t",
    clusterOnly: false,
    target: "leader" as const,
    load: {} as never,
    metrics: ["rps" as const],
  };
  const rows = tableRows([scenario], new Map([["s", new Map([["etcd" as const, [run(10, 1)]]])]]));
  assert.deepEqual(rows, [{ scenario: "t", metric: "req/s", etcd: "10", tetcd: "-", ratio: "-" }]);
});
