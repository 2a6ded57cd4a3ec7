// etcdctl put/get/del/txn against tetcd must print exactly what it prints against real etcd 3.4.
// Both members start empty and receive the same commands in the same order, so revisions match exactly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertSame, startPair, type Pair } from '../helpers/compat';

let pair: Pair;
before(async () => {
  pair = await startPair();
});
after(async () => {
  await pair?.stop();
});

const get = (...args: string[]) => assertSame(pair, ['get', ...args]);

describe('etcdctl put and get', () => {
  it('puts the fixture keys', async () => {
    for (const [k, v] of [['a', '1'], ['b', '2'], ['c', '3'], ['a', '11'], ['d/x', '4'], ['d/y', '5']]) {
      const r = await assertSame(pair, ['put', k, v]);
      assert.equal(r.stdout, 'OK\n');
    }
  });

  it('gets one key in every output format', async () => {
    assert.equal((await get('a')).stdout, 'a\n11\n');
    const json = await get('a', '-w', 'json');
    assert.match(json.stdout, /"revision":7,/);
    await get('a', '-w', 'fields');
    await get('a', '-w', 'table');
    await get('a', '--hex');
    await get('a', '--hex', '-w', 'json');
    await get('nokey');
    await get('nokey', '-w', 'json');
  });

  it('gets ranges: --prefix, --from-key, explicit range end, --limit', async () => {
    assert.equal((await get('--prefix', 'd/')).stdout, 'd/x\n4\nd/y\n5\n');
    await get('--from-key', 'b');
    await get('--from-key', '');
    await get('b', 'd/y');
    await get('--prefix', '', '--limit', '2');
    await get('--from-key', 'b', '--limit', '2', '-w', 'json');
    await get('--prefix', 'd/', '--keys-only', '--limit', '1', '-w', 'fields');
    const limited = await get('--prefix', 'd', '-w', 'json', '--limit', '1');
    assert.match(limited.stdout, /"more":true,"count":2/);
  });

  it('gets an older revision with --rev', async () => {
    assert.equal((await get('a', '--rev', '2')).stdout, 'a\n1\n');
    await get('--prefix', '', '--rev', '4', '-w', 'json');
  });

  it('sorts by every target and order', async () => {
    for (const target of ['KEY', 'CREATE', 'MODIFY', 'VALUE', 'VERSION']) {
      for (const order of ['ASCEND', 'DESCEND']) await get('--prefix', '', '--sort-by', target, '--order', order);
    }
    const byModify = await get('--prefix', '', '--sort-by', 'MODIFY', '--order', 'DESCEND', '--keys-only');
    assert.equal(byModify.stdout, 'd/y\n\nd/x\n\na\n\nc\n\nb\n\n');
    await get('--prefix', '', '--order', 'DESCEND');
  });

  it('prints keys only, values only, and serializable reads', async () => {
    await get('--prefix', '', '--keys-only');
    await get('--prefix', '', '--keys-only', '-w', 'json');
    assert.equal((await get('--prefix', '', '--print-value-only')).stdout, '11\n2\n3\n4\n5\n');
    assert.equal((await get('a', '--consistency=s')).stdout, 'a\n11\n');
    await get('--prefix', '', '--consistency=s', '-w', 'json');
  });

  it('rejects --count-only the same way (etcdctl 3.4 has no such flag)', async () => {
    const r = await get('--prefix', '', '--count-only');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown flag: --count-only/);
  });

  it('put --prev-kv, --ignore-value, --ignore-lease', async () => {
    assert.equal((await assertSame(pair, ['put', 'a', '12', '--prev-kv'])).stdout, 'OK\na\n11\n');
    await assertSame(pair, ['put', 'a', '--ignore-value', '--prev-kv']);
    await assertSame(pair, ['put', 'a', '13', '--prev-kv', '-w', 'json']);
    await assertSame(pair, ['put', 'a', '14', '--ignore-lease']);
    await assertSame(pair, ['put', 'fresh', 'v', '--prev-kv', '-w', 'json']);
    await get('a', '-w', 'fields');
    // Neither flag may be used on a key that does not exist yet.
    await assertSame(pair, ['put', 'nokey', '--ignore-value']);
    await assertSame(pair, ['put', 'nokey', 'v', '--ignore-lease']);
  });

  it('puts values with unusual bytes', async () => {
    await assertSame(pair, ['put', 'sp ace', 'multi word value']);
    await assertSame(pair, ['put', 'empty', '']);
    await assertSame(pair, ['put', '--', '-dash', '-v']);
    await get('--prefix', '', '--hex');
  });
});

describe('etcdctl del', () => {
  it('deletes one key with --prev-kv', async () => {
    assert.equal((await assertSame(pair, ['del', 'c', '--prev-kv'])).stdout, '1\nc\n3\n');
  });
  it('deletes a prefix', async () => {
    assert.equal((await assertSame(pair, ['del', 'd/', '--prefix'])).stdout, '2\n');
  });
  it('deletes from a key onwards, as json', async () => {
    const r = await assertSame(pair, ['del', 'b', '--from-key', '--prev-kv', '-w', 'json']);
    assert.match(r.stdout, /"deleted":\d+/);
  });
  it('deleting a missing key reports 0', async () => {
    assert.equal((await assertSame(pair, ['del', 'zz'])).stdout, '0\n');
    assert.equal((await get('--prefix', '')).stdout.split('\n')[0], '-dash');
  });
});

describe('etcdctl txn', () => {
  it('sets up', async () => {
    await assertSame(pair, ['put', 't1', 'one']);
    await assertSame(pair, ['put', 't2', 'two']);
  });

  it('runs the success branch interactively', async () => {
    const r = await assertSame(pair, ['txn', '-i'], 'value("t1") = "one"\n\nput t1 uno\nget t2\n\ndel t2\n\n');
    assert.match(r.stdout, /^compares:\nsuccess requests \(get, put, del\):\nfailure requests \(get, put, del\):\nSUCCESS\n\nOK\n\nt2\ntwo\n$/);
  });

  it('runs the failure branch interactively', async () => {
    const r = await assertSame(pair, ['txn', '-i'], 'value("t1") = "one"\n\nput t1 x\n\nget t1\nput t3 3\n\n');
    assert.match(r.stdout, /FAILURE\n\nt1\nuno\n\nOK\n$/);
  });

  it('prints json, with several compares of each kind', async () => {
    await assertSame(pair, ['txn', '-i', '-w', 'json'], 'mod("t1") > "0"\ncreate("none") = "0"\nversion("t1") = "2"\n\nput t4 4\nget t --prefix\n\ndel t1\n\n');
    await assertSame(pair, ['txn', '-w', 'json'], 'version("t1") = "1"\n\n\nget t --prefix --limit 1\n\n');
    await assertSame(pair, ['txn', '-w', 'fields'], 'value("t1") > "a"\n\ndel t --prefix --prev-kv\n\n\n');
    const failed = await assertSame(pair, ['txn', '-w', 'json'], 'value("t1") = "nope"\n\nput t5 5\n\nput t6 6\nget t6\n\n');
    assert.match(failed.stdout, /^\{"header":\{[^}]*\},"responses":\[\{"Response":\{"ResponsePut"/);
  });

  it('rejects duplicate keys in one branch', async () => {
    const r = await assertSame(pair, ['txn'], '\nput x 1\nput x 2\n\n\n');
    assert.match(r.stderr, /Error: etcdserver: duplicate key given in txn request/);
  });

  it('rejects more operations than --max-txn-ops (128)', async () => {
    const puts = Array.from({ length: 129 }, (_, i) => `put many${i} v`).join('\n');
    const r = await assertSame(pair, ['txn'], `\n${puts}\n\n\n`);
    assert.match(r.stderr, /Error: etcdserver: too many operations in txn request/);
    const ok = await assertSame(pair, ['txn'], `\n${puts.split('\n').slice(1).join('\n')}\n\n\n`);
    assert.match(ok.stdout, /^SUCCESS\n/);
  });
});

describe('bad input', () => {
  it('an empty key', async () => {
    for (const args of [['put', '', 'x'], ['get', ''], ['del', '']]) {
      const r = await assertSame(pair, args);
      assert.match(r.stderr, /Error: etcdserver: key is not provided/);
    }
  });

  it('an unknown lease', async () => {
    const r = await assertSame(pair, ['put', 'k', 'v', '--lease', '1234']);
    assert.match(r.stderr, /Error: etcdserver: requested lease not found\n$/);
  });

  it('a future revision', async () => {
    const r = await get('a', '--rev', '100000');
    assert.match(r.stderr, /Error: etcdserver: mvcc: required revision is a future revision\n$/);
  });

  it('bad flag values', async () => {
    await get('a', '--sort-by', 'NAME');
    await get('a', '--order', 'SIDEWAYS');
    await get('a', '--consistency', 'x');
    await get('a', '--rev', '-1');
    await assertSame(pair, ['put', 'a']);
    await assertSame(pair, ['txn'], 'bogus("a") = "1"\n\n\n\n');
  });
});
