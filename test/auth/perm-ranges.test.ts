import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Permission_Type } from '../../src/gen/authpb/auth';
import { RangePermissions, compareAffine } from '../../src/auth/perm-ranges';

const b = (s: string): Buffer => Buffer.from(s);
const NONE = Buffer.alloc(0);
const ZERO = Buffer.from([0]);

function perms(...grants: Array<[Permission_Type, string, string | Buffer]>): RangePermissions {
  const p = new RangePermissions();
  for (const [permType, key, end] of grants) p.add({ permType, key: b(key), rangeEnd: typeof end === 'string' ? b(end) : end });
  return p;
}

describe('affine key order', () => {
  it('puts the empty bound after every key', () => {
    assert.equal(compareAffine(NONE, b('zzz')), 1);
    assert.equal(compareAffine(b('zzz'), NONE), -1);
    assert.equal(compareAffine(NONE, NONE), 0);
    assert.equal(compareAffine(b('a'), b('b')), -1);
  });
});

describe('range permissions', () => {
  it('a single-key grant allows that key only', () => {
    const p = perms([Permission_Type.READ, 'k', '']);
    assert.equal(p.allows('read', b('k'), NONE), true);
    assert.equal(p.allows('read', b('k2'), NONE), false);
    assert.equal(p.allows('read', b('k'), b('k\0')), true);
    assert.equal(p.allows('read', b('k'), b('l')), false);
    assert.equal(p.allows('write', b('k'), NONE), false);
  });

  it('a prefix grant covers keys and sub-ranges under it, not beyond', () => {
    const p = perms([Permission_Type.READWRITE, '/foo', '/fop']);
    assert.equal(p.allows('read', b('/foo/a'), NONE), true);
    assert.equal(p.allows('write', b('/foo'), b('/fop')), true);
    assert.equal(p.allows('read', b('/foo/a'), b('/foo/b')), true);
    assert.equal(p.allows('read', b('/fo'), b('/fop')), false);
    assert.equal(p.allows('read', b('/foo'), b('/foq')), false);
    assert.equal(p.allows('read', b('/fop'), NONE), false);
    // A request from /foo to the end of the key space is wider than the grant.
    assert.equal(p.allows('read', b('/foo'), ZERO), false);
  });

  it('adjacent or overlapping grants merge; a gap between them does not', () => {
    const p = perms([Permission_Type.READ, 'a', 'c'], [Permission_Type.READ, 'c', 'e'], [Permission_Type.READ, 'd', 'g']);
    assert.equal(p.allows('read', b('a'), b('g')), true);
    const gap = perms([Permission_Type.READ, 'a', 'c'], [Permission_Type.READ, 'd', 'g']);
    assert.equal(gap.allows('read', b('a'), b('g')), false);
    assert.equal(gap.allows('read', b('d'), b('f')), true);
  });

  it('range_end "\\0" grants from the key to the end of the key space', () => {
    const p = perms([Permission_Type.WRITE, 'm', ZERO]);
    assert.equal(p.allows('write', b('zzzz'), NONE), true);
    assert.equal(p.allows('write', b('m'), ZERO), true);
    assert.equal(p.allows('write', b('a'), NONE), false);
    assert.equal(p.allows('read', b('m'), NONE), false);
  });

  it('READ and WRITE grants are kept apart; READWRITE gives both', () => {
    const p = perms([Permission_Type.READ, 'r', ''], [Permission_Type.WRITE, 'w', ''], [Permission_Type.READWRITE, 'x', '']);
    assert.deepEqual(
      ['r', 'w', 'x'].map((k) => [p.allows('read', b(k), NONE), p.allows('write', b(k), NONE)]),
      [
        [true, false],
        [false, true],
        [true, true],
      ],
    );
  });
});
