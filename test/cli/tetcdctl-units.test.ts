// The pieces of tetcdctl that must reproduce Go's formatting and etcdctl's parsing exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Compare_CompareResult, Compare_CompareTarget, RangeRequest_SortOrder, RangeRequest_SortTarget } from '../../src/gen/etcdserverpb/rpc';
import { resolveGlobalOptions } from '../../src/cli/ctl/global-options';
import { goDuration, goQuote, goUnquote, hex16, hexEscaped, hexPadded, humanizeBytes } from '../../src/cli/ctl/go-format';
import { goJson, omitEmpty } from '../../src/cli/ctl/go-json';
import { renderTable } from '../../src/cli/ctl/table';
import { perfVerdict } from '../../src/cli/ctl/v3/check-perf';
import { prefixEnd } from '../../src/mvcc/key-range';
import { deleteRequest, putRequest, rangeRequest } from '../../src/cli/ctl/v3/kv-requests';
import { argify, parseCompare, parseRequest } from '../../src/cli/ctl/v3/txn-parse';
import { selectApi } from '../../src/cli/tetcdctl';
import { ctl } from './ctl-helpers';

describe('Go formatting', () => {
  it('quotes like %q', () => {
    assert.equal(goQuote('plain'), '"plain"');
    assert.equal(goQuote('a"b\\c\n\t'), '"a\\"b\\\\c\\n\\t"');
    assert.equal(goQuote(Buffer.from([0x61, 0x00, 0xff])), '"a\\x00\\xff"');
    assert.equal(goQuote('héllo'), '"héllo"');
    assert.equal(goUnquote('"a\\x41\\n"'), 'aA\n');
    assert.equal(goUnquote('"unterminated'), undefined);
  });

  it('prints durations like time.Duration', () => {
    assert.equal(goDuration(0n), '0s');
    assert.equal(goDuration(999n), '999ns');
    assert.equal(goDuration(1500n), '1.5µs');
    assert.equal(goDuration(9063201n), '9.063201ms');
    assert.equal(goDuration(2000000000n), '2s');
    assert.equal(goDuration(90500000000n), '1m30.5s');
    assert.equal(goDuration(3723000000000n), '1h2m3s');
  });

  it('prints sizes like go-humanize', () => {
    assert.equal(humanizeBytes(0), '0 B');
    assert.equal(humanizeBytes(9), '9 B');
    assert.equal(humanizeBytes(1043), '1.0 kB');
    assert.equal(humanizeBytes(20480), '20 kB');
    assert.equal(humanizeBytes(2_500_000), '2.5 MB');
  });

  it('prints IDs and hex bytes as etcdctl does', () => {
    assert.equal(hex16(0x2an), '000000000000002a');
    assert.equal(hexPadded(0x2an), '              2a');
    assert.equal(hex16(-1n), 'ffffffffffffffff');
    assert.equal(hexEscaped(Buffer.from('ab')), '\\x61\\x62');
  });

  it('encodes JSON like encoding/json', () => {
    assert.equal(goJson({ big: 18446744073709551615n, b: Buffer.from('hi'), s: '<&>', skip: undefined, n: null }), '{"big":18446744073709551615,"b":"aGk=","s":"\\u003c\\u0026\\u003e","n":null}');
    assert.equal(omitEmpty(0n), undefined);
    assert.equal(omitEmpty([]), undefined);
    assert.equal(omitEmpty(false), undefined);
    assert.equal(omitEmpty(1n), 1n);
  });

  it('draws tables like tablewriter', () => {
    assert.equal(
      renderTable(['endpoint', 'hash'], [['http://127.0.0.1:2379', '417288153']]),
      '+-----------------------+-----------+\n' +
        '|       ENDPOINT        |   HASH    |\n' +
        '+-----------------------+-----------+\n' +
        '| http://127.0.0.1:2379 | 417288153 |\n' +
        '+-----------------------+-----------+\n',
    );
  });
});

describe('requests from arguments', () => {
  it('computes prefix range ends', () => {
    assert.deepEqual(prefixEnd(Buffer.from('ab')), Buffer.from('ac'));
    assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from('b'));
    assert.deepEqual(prefixEnd(Buffer.from([0xff])), Buffer.from([0]));
  });

  it('builds get requests like clientv3', () => {
    const all = rangeRequest([''], { prefix: true });
    assert.deepEqual([all.key, all.rangeEnd], [Buffer.from([0]), Buffer.from([0])]);
    const sorted = rangeRequest(['a'], { sortBy: 'modify' });
    assert.equal(sorted.sortTarget, RangeRequest_SortTarget.MOD);
    assert.equal(sorted.sortOrder, RangeRequest_SortOrder.ASCEND);
    // Ascending by key is the server's natural order, so no sort is requested.
    assert.equal(rangeRequest(['a'], { sortBy: 'KEY', order: 'ASCEND' }).sortOrder, RangeRequest_SortOrder.NONE);
    assert.equal(rangeRequest(['a'], { consistency: 's' }).serializable, true);
    assert.throws(() => rangeRequest(['a'], { sortBy: 'SIZE' }), { message: 'bad sort target SIZE', exitCode: 4 });
    assert.throws(() => rangeRequest(['a', 'b'], { prefix: true }), { exitCode: 128 });
  });

  it('builds put and delete requests', () => {
    assert.equal(putRequest(['k', 'v'], { lease: '2a' }).lease, 42n);
    assert.deepEqual(putRequest(['k'], {}, () => Buffer.from('stdin')).value, Buffer.from('stdin'));
    assert.throws(() => putRequest(['k', 'v'], { lease: 'xyz' }), /bad lease ID/);
    assert.deepEqual(deleteRequest(['a'], { fromKey: true }).rangeEnd, Buffer.from([0]));
    assert.throws(() => deleteRequest(['a', 'b', 'c'], {}), /del command needs one argument/);
  });

  it('parses txn lines like etcdctl', () => {
    assert.deepEqual(argify(`put "a b" 'c d' e\\x`), ['put', 'a b', 'c d', 'e\\x']);
    const cmp = parseCompare('mod("k") > "3"');
    assert.equal(cmp.target, Compare_CompareTarget.MOD);
    assert.equal(cmp.result, Compare_CompareResult.GREATER);
    assert.equal(cmp.modRevision, 3n);
    assert.deepEqual(parseCompare('val("k") != "x y"').value, Buffer.from('x y'));
    assert.throws(() => parseCompare('size("k") = "1"'), /unknown target size/);
    assert.throws(() => parseCompare('ver("k") = "one"'), /invalid txn compare request/);
    const put = parseRequest('put k "v 1" --prev-kv');
    assert.deepEqual([put.requestPut?.value, put.requestPut?.prevKv], [Buffer.from('v 1'), true]);
    assert.equal(parseRequest('get a --prefix --limit=2').requestRange?.limit, 2n);
    assert.throws(() => parseRequest('get a --nope'), /invalid txn request/);
  });
});

describe('options', () => {
  it('takes ETCDCTL_* variables unless a flag overrides them', () => {
    const env = { ETCDCTL_ENDPOINTS: 'a:1,b:2', ETCDCTL_WRITE_OUT: 'json', ETCDCTL_HEX: 'true', ETCDCTL_DIAL_TIMEOUT: '3s' };
    const fromEnv = resolveGlobalOptions({}, env);
    assert.deepEqual([fromEnv.endpoints, fromEnv.writeOut, fromEnv.hex, fromEnv.dialTimeoutMs], [['a:1', 'b:2'], 'json', true, 3000]);
    const fromFlags = resolveGlobalOptions({ endpoints: 'c:3', writeOut: 'fields' }, env);
    assert.deepEqual([fromFlags.endpoints, fromFlags.writeOut], [['c:3'], 'fields']);
    assert.equal(resolveGlobalOptions({}, {}).commandTimeoutMs, 5000);
  });

  it('accepts --flag=true and --flag=false for boolean flags, as pflag does', async () => {
    // A bad --limit is reported before any connection is made, so the parse result is visible without a server.
    const res = await ctl(['get', 'k', '--prefix=true', '--keys-only=false', '--limit', 'x']);
    assert.equal(res.stderr, 'Error: invalid argument "x" for "--limit" flag: strconv.ParseInt: parsing "x": invalid syntax\n');
    // Flags that take a value keep "=false" as their value.
    const limit = await ctl(['get', 'k', '--limit=false']);
    assert.equal(limit.code, 128);
    assert.match(limit.stderr, /parsing "false"/);
  });

  it('selects the API like etcdctl', () => {
    assert.deepEqual(selectApi(['get', 'k'], {}), { api: 3, argv: ['get', 'k'] });
    assert.deepEqual(selectApi(['get', 'k'], { ETCDCTL_API: '2' }), { api: 2, argv: ['get', 'k'] });
    assert.deepEqual(selectApi(['v2', 'ls'], {}), { api: 2, argv: ['ls'] });
  });
});

describe('check perf verdict', () => {
  it('passes a run that kept the rate with low latency', () => {
    const latencies = Array.from({ length: 9000 }, () => 0.01);
    const v = perfVerdict({ latencies, errors: new Map(), elapsedSec: 60 }, 150);
    assert.deepEqual(v, {
      ok: true,
      lines: ['PASS: Throughput is 151 writes/s', 'PASS: Slowest request took 0.010000s', 'PASS: Stddev is 0.000000s', 'PASS'],
    });
  });

  it('fails on errors, low throughput and slow requests', () => {
    const v = perfVerdict({ latencies: [0.1, 0.9], errors: new Map([['context deadline exceeded', 3]]), elapsedSec: 60 }, 150);
    assert.equal(v.ok, false);
    assert.deepEqual(v.lines, [
      'FAIL: too many errors',
      'FAIL: ERROR(context deadline exceeded) -> 3',
      'FAIL: Throughput too low: 1 writes/s',
      'Slowest request took too long: 0.900000s',
      'Stddev too high: 0.400000s',
      'FAIL',
    ]);
  });
});
