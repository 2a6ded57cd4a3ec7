// The key ranges a user may read or write, merged over all of its roles, and the coverage test etcd applies to
// them. Bounds follow etcd's "affine" byte order, in which an empty bound sorts after every key: a permission whose
// range_end is "\0" (all keys from `key` on) and a request whose range_end is "\0" both end at that infinity.
import { Permission_Type, type Permission } from '../gen/authpb/auth';

/** [begin, end) with empty `end` (or `begin`) standing for +infinity. */
interface KeyInterval {
  begin: Buffer;
  end: Buffer;
}

const ZERO = Buffer.from([0]);

export function compareAffine(a: Buffer, b: Buffer): number {
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  if (b.length === 0) return -1;
  return Buffer.compare(a, b);
}

/** The smallest interval holding just `key`: [key, key + "\0"). */
function pointInterval(key: Buffer): KeyInterval {
  return { begin: key, end: Buffer.concat([key, ZERO]) };
}

/** The interval a stored permission grants: a single key without range_end, else [key, range_end). */
function permissionInterval(perm: Pick<Permission, 'key' | 'rangeEnd'>): KeyInterval {
  if (perm.rangeEnd.length === 0) return pointInterval(perm.key);
  return { begin: perm.key, end: perm.rangeEnd.equals(ZERO) ? Buffer.alloc(0) : perm.rangeEnd };
}

function intersects(a: KeyInterval, b: KeyInterval): boolean {
  return compareAffine(a.begin, b.end) < 0 && compareAffine(b.begin, a.end) < 0;
}

/** One user's merged grants; built once per auth change, consulted on every request. */
export class RangePermissions {
  private readonly read: KeyInterval[] = [];
  private readonly write: KeyInterval[] = [];

  add(perm: Permission): void {
    const ivl = permissionInterval(perm);
    if (perm.permType === Permission_Type.READ || perm.permType === Permission_Type.READWRITE) this.read.push(ivl);
    if (perm.permType === Permission_Type.WRITE || perm.permType === Permission_Type.READWRITE) this.write.push(ivl);
  }

  /**
   * Whether a request on `key` (alone when rangeEnd is empty, else [key, rangeEnd)) is allowed. A single key
   * needs one grant touching it; a range must be covered by grants that leave no gap, as etcd's interval tree has it.
   */
  allows(type: 'read' | 'write', key: Buffer, rangeEnd: Buffer): boolean {
    const grants = type === 'read' ? this.read : this.write;
    if (rangeEnd.length === 0) {
      const point = pointInterval(key);
      return grants.some((g) => intersects(g, point));
    }
    const wanted: KeyInterval = { begin: key, end: rangeEnd.equals(ZERO) ? Buffer.alloc(0) : rangeEnd };
    const touching = grants.filter((g) => intersects(g, wanted)).sort((a, b) => compareAffine(a.begin, b.begin));
    if (touching.length === 0 || compareAffine(touching[0].begin, wanted.begin) > 0) return false;
    let reach = touching[0].end;
    for (const g of touching.slice(1)) {
      if (compareAffine(reach, g.begin) < 0) return false;
      if (compareAffine(g.end, reach) > 0) reach = g.end;
    }
    return compareAffine(reach, wanted.end) >= 0;
  }
}
