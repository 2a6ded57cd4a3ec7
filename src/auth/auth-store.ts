// Users, roles and their permissions, and whether authentication is on: etcd's auth store. Every change comes from
// an applied Raft entry (apply-auth.ts) and lands in the MVCC store's metadata buckets within the same batch as the
// entry's index, so members agree and a restart finds what was applied. Reads and permission checks use memory.
import { Role, User, type Permission, type UserAddOptions } from '../gen/authpb/auth';
import { EtcdError } from '../server/errors';
import { passwordMatches } from './password';
import { RangePermissions } from './perm-ranges';
import { ROOT_ROLE, ROOT_USER, type AuthInfo, type TokenProvider } from './types';

/** The slice of the MVCC store the auth store persists through. */
export interface MetaBackend {
  putMeta(bucket: string, key: Buffer, value: Buffer): void;
  deleteMeta(bucket: string, key: Buffer): void;
  getMeta(bucket: string, key: Buffer): Buffer | undefined;
  iterateMeta(bucket: string): Array<[Buffer, Buffer]>;
}

// etcd's bucket and key names.
const AUTH_BUCKET = 'auth';
const USERS_BUCKET = 'authUsers';
const ROLES_BUCKET = 'authRoles';
const ENABLED_KEY = Buffer.from('authEnabled');
const REVISION_KEY = Buffer.from('authRevision');

function encodeRevision(rev: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(rev);
  return b;
}

export class AuthStore {
  private enabledFlag = false;
  private rev = 0n;
  private users = new Map<string, User>();
  private roles = new Map<string, Role>();
  private perms = new Map<string, RangePermissions>();

  constructor(
    private readonly backend: MetaBackend,
    readonly tokens: TokenProvider,
  ) {
    this.reload();
    if (this.rev === 0n) this.bumpRevision();
  }

  get enabled(): boolean {
    return this.enabledFlag;
  }

  /** Goes up by one with every change to users, roles, permissions or the enabled flag. */
  get revision(): bigint {
    return this.rev;
  }

  /** Reads everything from the backend again (after it was replaced by a snapshot). */
  reload(): void {
    const flag = this.backend.getMeta(AUTH_BUCKET, ENABLED_KEY);
    this.enabledFlag = flag !== undefined && flag.length === 1 && flag[0] === 1;
    const rev = this.backend.getMeta(AUTH_BUCKET, REVISION_KEY);
    this.rev = rev && rev.length === 8 ? rev.readBigUInt64BE(0) : 0n;
    this.users = new Map(this.backend.iterateMeta(USERS_BUCKET).map(([k, v]) => [k.toString(), User.decode(v)]));
    this.roles = new Map(this.backend.iterateMeta(ROLES_BUCKET).map(([k, v]) => [k.toString(), Role.decode(v)]));
    this.refreshPermissions();
    if (this.enabledFlag) this.tokens.enable();
    else this.tokens.disable();
  }

  // ---- changes (applied from Raft) ----

  enable(): void {
    if (this.enabledFlag) return;
    const root = this.users.get(ROOT_USER);
    if (!root) throw new EtcdError('rootUserNotExist');
    if (!root.roles.includes(ROOT_ROLE)) throw new EtcdError('rootRoleNotExist');
    this.enabledFlag = true;
    this.backend.putMeta(AUTH_BUCKET, ENABLED_KEY, Buffer.from([1]));
    this.tokens.enable();
  }

  disable(): void {
    if (!this.enabledFlag) return;
    this.enabledFlag = false;
    this.backend.putMeta(AUTH_BUCKET, ENABLED_KEY, Buffer.from([0]));
    this.bumpRevision();
    this.tokens.disable();
  }

  /** Mints a token for a user whose password the proposing member has already checked. */
  authenticate(name: string, prefix: string, index: number): string {
    if (!this.enabledFlag) throw new EtcdError('authNotEnabled');
    const user = this.users.get(name);
    if (!user || user.options?.noPassword) throw new EtcdError('authFailed');
    return this.tokens.assign(name, this.rev, prefix, index);
  }

  /** `passwordHash` is the bcrypt hash made before proposing; empty for a user that has no password. */
  userAdd(name: string, passwordHash: string, options: UserAddOptions | undefined): void {
    if (name === '') throw new EtcdError('userEmpty');
    if (this.users.has(name)) throw new EtcdError('userAlreadyExist');
    const noPassword = options?.noPassword ?? false;
    this.putUser({
      name: Buffer.from(name),
      password: noPassword ? Buffer.alloc(0) : Buffer.from(passwordHash, 'latin1'),
      roles: [],
      options: { noPassword },
    });
    this.changed();
  }

  userDelete(name: string): void {
    if (this.enabledFlag && name === ROOT_USER) throw new EtcdError('invalidAuthMgmt');
    if (!this.users.has(name)) throw new EtcdError('userNotFound');
    this.users.delete(name);
    this.backend.deleteMeta(USERS_BUCKET, Buffer.from(name));
    this.changed();
    this.tokens.invalidateUser(name);
  }

  userChangePassword(name: string, passwordHash: string): void {
    const user = this.users.get(name);
    if (!user) throw new EtcdError('userNotFound');
    this.putUser({ ...user, password: Buffer.from(passwordHash, 'latin1') });
    this.changed();
    this.tokens.invalidateUser(name);
  }

  userGrantRole(name: string, role: string): void {
    const user = this.users.get(name);
    if (!user) throw new EtcdError('userNotFound');
    // The root role exists implicitly: it need not have been added to be granted.
    if (role !== ROOT_ROLE && !this.roles.has(role)) throw new EtcdError('roleNotFound');
    if (user.roles.includes(role)) return;
    this.putUser({ ...user, roles: [...user.roles, role].sort() });
    this.changed();
  }

  userRevokeRole(name: string, role: string): void {
    if (this.enabledFlag && name === ROOT_USER && role === ROOT_ROLE) throw new EtcdError('invalidAuthMgmt');
    const user = this.users.get(name);
    if (!user) throw new EtcdError('userNotFound');
    if (!user.roles.includes(role)) throw new EtcdError('roleNotGranted');
    this.putUser({ ...user, roles: user.roles.filter((r) => r !== role) });
    this.changed();
  }

  roleAdd(name: string): void {
    if (name === '') throw new EtcdError('roleEmpty');
    if (this.roles.has(name)) throw new EtcdError('roleAlreadyExist');
    this.putRole({ name: Buffer.from(name), keyPermission: [] });
    this.changed();
  }

  roleDelete(name: string): void {
    if (this.enabledFlag && name === ROOT_ROLE) throw new EtcdError('invalidAuthMgmt');
    if (!this.roles.has(name)) throw new EtcdError('roleNotFound');
    this.roles.delete(name);
    this.backend.deleteMeta(ROLES_BUCKET, Buffer.from(name));
    for (const user of [...this.users.values()]) {
      if (user.roles.includes(name)) this.putUser({ ...user, roles: user.roles.filter((r) => r !== name) });
    }
    this.changed();
  }

  /** Adds the permission, or changes the type of the one with the same key and range end. */
  roleGrantPermission(name: string, perm: Permission): void {
    const role = this.roles.get(name);
    if (!role) throw new EtcdError('roleNotFound');
    const same = role.keyPermission.find((p) => p.key.equals(perm.key) && p.rangeEnd.equals(perm.rangeEnd));
    const kept = role.keyPermission.filter((p) => p !== same);
    const granted: Permission = { key: perm.key, rangeEnd: perm.rangeEnd, permType: perm.permType };
    const keyPermission = [...kept, granted].sort((a, b) => Buffer.compare(a.key, b.key));
    this.putRole({ ...role, keyPermission });
    this.changed();
  }

  roleRevokePermission(name: string, key: Buffer, rangeEnd: Buffer): void {
    const role = this.roles.get(name);
    if (!role) throw new EtcdError('roleNotFound');
    const kept = role.keyPermission.filter((p) => !(p.key.equals(key) && p.rangeEnd.equals(rangeEnd)));
    if (kept.length === role.keyPermission.length) throw new EtcdError('permissionNotGranted');
    this.putRole({ ...role, keyPermission: kept });
    this.changed();
  }

  // ---- reads ----

  userGet(name: string): string[] {
    const user = this.users.get(name);
    if (!user) throw new EtcdError('userNotFound');
    return [...user.roles];
  }

  userList(): string[] {
    return [...this.users.keys()].sort();
  }

  roleGet(name: string): Permission[] {
    // etcd answers for the root role only once it was added; granting it needs no role record.
    const role = this.roles.get(name);
    if (!role) throw new EtcdError('roleNotFound');
    return role.keyPermission.map((p) => ({ ...p }));
  }

  roleList(): string[] {
    return [...this.roles.keys()].sort();
  }

  hasRole(user: string, role: string): boolean {
    return this.users.get(user)?.roles.includes(role) ?? false;
  }

  /**
   * The auth revision the password was checked at. Throws authNotEnabled, or authFailed for an unknown user, a
   * user without a password, or a wrong one (one message for all, so names cannot be probed).
   */
  async checkPassword(name: string, password: string): Promise<bigint> {
    if (!this.enabledFlag) throw new EtcdError('authNotEnabled');
    const user = this.users.get(name);
    if (!user || user.options?.noPassword) throw new EtcdError('authFailed');
    const revision = this.rev;
    if (!(await passwordMatches(password, user.password))) throw new EtcdError('authFailed');
    return revision;
  }

  // ---- permission checks (no-ops while auth is off) ----

  isRangePermitted(info: AuthInfo, key: Buffer, rangeEnd: Buffer): void {
    this.checkOp(info, 'read', key, rangeEnd);
  }

  isPutPermitted(info: AuthInfo, key: Buffer): void {
    this.checkOp(info, 'write', key, Buffer.alloc(0));
  }

  isDeleteRangePermitted(info: AuthInfo, key: Buffer, rangeEnd: Buffer): void {
    this.checkOp(info, 'write', key, rangeEnd);
  }

  /** Only users with the root role may administer the cluster and the auth store. */
  isAdminPermitted(info: AuthInfo | undefined): void {
    if (!this.enabledFlag) return;
    if (!info || info.user === '') throw new EtcdError('userEmpty');
    const user = this.users.get(info.user);
    if (!user) throw new EtcdError('userNotFound');
    if (!user.roles.includes(ROOT_ROLE)) throw new EtcdError('permissionDenied');
  }

  private checkOp(info: AuthInfo, type: 'read' | 'write', key: Buffer, rangeEnd: Buffer): void {
    if (!this.enabledFlag) return;
    // Revision 0 means no credentials came with the request at all.
    if (info.revision === 0n) throw new EtcdError('userEmpty');
    if (info.revision < this.rev) throw new EtcdError('authOldRevision');
    const user = this.users.get(info.user);
    if (!user) throw new EtcdError('permissionDenied');
    if (user.roles.includes(ROOT_ROLE)) return;
    if (this.perms.get(info.user)?.allows(type, key, rangeEnd)) return;
    throw new EtcdError('permissionDenied');
  }

  private putUser(user: User): void {
    const name = user.name.toString();
    this.users.set(name, user);
    this.backend.putMeta(USERS_BUCKET, Buffer.from(name), Buffer.from(User.encode(user).finish()));
  }

  private putRole(role: Role): void {
    const name = role.name.toString();
    this.roles.set(name, role);
    this.backend.putMeta(ROLES_BUCKET, Buffer.from(name), Buffer.from(Role.encode(role).finish()));
  }

  private changed(): void {
    this.bumpRevision();
    this.refreshPermissions();
  }

  private bumpRevision(): void {
    this.rev += 1n;
    this.backend.putMeta(AUTH_BUCKET, REVISION_KEY, encodeRevision(this.rev));
  }

  private refreshPermissions(): void {
    this.perms = new Map();
    for (const [name, user] of this.users) {
      const merged = new RangePermissions();
      for (const roleName of user.roles) {
        for (const perm of this.roles.get(roleName)?.keyPermission ?? []) merged.add(perm);
      }
      this.perms.set(name, merged);
    }
  }
}
