import assert from "node:assert/strict";
import { test } from "node:test";
import { formatLatency, Histogram } from "../../bench/histogram";

function close(actual: number, expected: number, relative: number): void {
  const message = `${actual} is not within ${relative * 100}% of ${expected}`;
  assert.ok(Math.abs(actual - expected) <= expected * relative, message);
}

test("percentiles of a uniform spread are within the bucket precision", () => {
  const histogram = new Histogram();
  for (let ms = 1; ms <= 1000; ms++) histogram.recordMillis(ms);
  const summary = histogram.summary();
  assert.equal(summary.count, 1000);
  close(summary.p50, 500, 0.01);
  close(summary.p90, 900, 0.01);
  close(summary.p99, 990, 0.01);
  assert.equal(summary.max, 1000);
  close(summary.mean, 500.5, 0.001);
});

test("small values keep microsecond resolution and never exceed the maximum", () => {
  const histogram = new Histogram();
  for (const ms of [0.001, 0.002, 0.05, 0.127]) histogram.recordMillis(ms);
  assert.equal(histogram.percentile(0.25), 0.001);
  assert.equal(histogram.percentile(1), 0.127);
  histogram.recordMillis(-3); // clock quirks must not corrupt the buckets
  assert.equal(histogram.percentile(0.01), 0);
});

test("merging snapshots equals recording everything in one histogram", () => {
  const a = new Histogram();
  const b = new Histogram();
  const both = new Histogram();
  for (let i = 0; i < 500; i++) {
    const value = (i * 7919) % 3000 / 10;
    (i % 2 === 0 ? a : b).recordMillis(value);
    both.recordMillis(value);
  }
  const merged = new Histogram();
  merged.merge(a.snapshot());
  merged.merge(JSON.parse(JSON.stringify(b.snapshot()))); // snapshots cross process boundaries as JSON
  assert.deepEqual(merged.summary(), both.summary());
});

test("an empty histogram summarizes to zeros", () => {
  assert.deepEqual(new Histogram().summary(), { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
});

test("very large latencies are clamped instead of overflowing", () => {
  const histogram = new Histogram();
  histogram.recordMillis(1e12);
  assert.equal(histogram.summary().max, 0xffffffff / 1000);
  assert.ok(histogram.percentile(0.5) <= histogram.summary().max);
});

test("formatLatency prints every percentile in milliseconds", () => {
  const histogram = new Histogram();
  histogram.recordMillis(2);
  assert.equal(formatLatency(histogram.summary()), "p50 2.000  p90 2.000  p99 2.000  max 2.000  mean 2.000 (ms)");
});
