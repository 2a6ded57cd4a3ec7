import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoBool, parseGoDuration, parseGoInt, parseGoUint, parseGoUint32, ValueError } from '../../src/config/go-values';

describe('Go duration parsing', () => {
  it('converts Go durations to milliseconds', () => {
    assert.equal(parseGoDuration('5s'), 5000);
    assert.equal(parseGoDuration('2h0m0s'), 7_200_000);
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5m'), 90_000);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.equal(parseGoDuration('1500us'), 1.5);
    assert.equal(parseGoDuration('2000000ns'), 2);
    assert.equal(parseGoDuration('-3s'), -3000);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('.5s'), 500);
  });

  it('rejects what Go rejects', () => {
    for (const bad of ['', '5', '1x', 's', '1.s5', '--1s', '1s ', 'abc', '.s']) {
      assert.throws(() => parseGoDuration(bad), ValueError, bad);
    }
  });
});

describe('Go integer and bool parsing', () => {
  it('accepts base prefixes for uint flags like strconv.ParseUint(s, 0, 64)', () => {
    assert.equal(parseGoUint('100'), 100);
    assert.equal(parseGoUint('0x10'), 16);
    assert.equal(parseGoUint('010'), 8);
    assert.equal(parseGoUint('0b101'), 5);
    assert.equal(parseGoUint('0x_1_0'), 16);
    assert.throws(() => parseGoUint('-1'), /parse error/);
    assert.throws(() => parseGoUint('1_000'), /parse error/);
    assert.throws(() => parseGoUint('18446744073709551616'), /value out of range/);
  });

  it('parses signed ints and 32-bit decimal uints', () => {
    assert.equal(parseGoInt('-42'), -42);
    assert.equal(parseGoInt('+7'), 7);
    assert.equal(parseGoUint32('4294967295'), 4294967295);
    assert.throws(() => parseGoUint32('4294967296'), /value out of range/);
    assert.throws(() => parseGoUint32('0x10'), /parse error/);
  });

  it('parses bools like strconv.ParseBool', () => {
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(parseGoBool(t), true);
    for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.equal(parseGoBool(f), false);
    assert.throws(() => parseGoBool('yes'), /parse error/);
  });
});
