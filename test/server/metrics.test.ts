import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsRegistry } from '../../src/server/metrics';

describe('MetricsRegistry', () => {
  it('renders counters, labelled gauges and scrape-time gauges in text format', () => {
    const r = new MetricsRegistry();
    const puts = r.counter('etcd_test_puts_total', 'Puts.');
    puts.inc();
    puts.inc(2);
    r.gauge('etcd_test_size', 'Size "by" kind\nwrapped', { kind: 'a"b\\c' }).set(7);
    let leader = 0;
    r.gaugeFunc('etcd_server_has_leader', 'Leader known.', () => leader);
    leader = 1;
    assert.equal(
      r.render(),
      [
        '# HELP etcd_server_has_leader Leader known.',
        '# TYPE etcd_server_has_leader gauge',
        'etcd_server_has_leader 1',
        '# HELP etcd_test_puts_total Puts.',
        '# TYPE etcd_test_puts_total counter',
        'etcd_test_puts_total 3',
        '# HELP etcd_test_size Size "by" kind\\nwrapped',
        '# TYPE etcd_test_size gauge',
        'etcd_test_size{kind="a\\"b\\\\c"} 7',
        '',
      ].join('\n'),
    );
  });

  it('returns the same cell for the same name and labels, and refuses kind clashes', () => {
    const r = new MetricsRegistry();
    r.counter('x_total', 'x', { op: 'get' }).inc();
    r.counter('x_total', 'x', { op: 'get' }).inc();
    assert.equal(r.counter('x_total', 'x', { op: 'get' }).get(), 2);
    assert.throws(() => r.gauge('x_total', 'x'), /another kind/);
    assert.throws(() => r.counter('bad-name', 'x'), /invalid metric name/);
  });
});
