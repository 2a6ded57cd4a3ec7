import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthStore } from '../../src/auth/auth-store';
import { SimpleTokens } from '../../src/auth/simple-token';
import { Permission_Type } from '../../src/gen/authpb/auth';
import { ETCD_ERRORS, type EtcdErrorName } from '../../src/server/errors';
import { PW_HASH, newStore } from './helpers';

const b = (s: string): Buffer => Buffer.from(s);
const NONE = Buffer.alloc(0);

function throwsEtcd(fn: () => unknown, kind: EtcdErrorName): void {
  assert.throws(fn, (err: Error) => err.message === ETCD_ERRORS[kind].message);
}

async function rejectsEtcd(p: Promise<unknown>, kind: EtcdErrorName): Promise<void> {
  await assert.rejects(p, (err: Error) => err.message === ETCD_ERRORS[kind].message);
}

/** root (with the root role) and u holding role r, which may read and write under /foo. */
function withUsers(): ReturnType<typeof newStore> {
  const s = newStore();
  s.store.userAdd('root', PW_HASH, undefined);
  s.store.userGrantRole('root', 'root');
  s.store.roleAdd('r');
  s.store.roleGrantPermission('r', { permType: Permission_Type.READWRITE, key: b('/foo'), rangeEnd: b('/fop') });
  s.store.userAdd('u', PW_HASH, undefined);
  s.store.userGrantRole('u', 'r');
  return s;
}

describe('auth store: users and roles', () => {
  it('starts at revision 1, disabled, with no users or roles', () => {
    const { store } = newStore();
    assert.equal(store.revision, 1n);
    assert.equal(store.enabled, false);
    assert.deepEqual(store.userList(), []);
    assert.deepEqual(store.roleList(), []);
  });

  it("answers etcd's errors for bad user and role changes", () => {
    const { store } = withUsers();
    throwsEtcd(() => store.userAdd('', PW_HASH, undefined), 'userEmpty');
    throwsEtcd(() => store.userAdd('u', PW_HASH, undefined), 'userAlreadyExist');
    throwsEtcd(() => store.userDelete('nobody'), 'userNotFound');
    throwsEtcd(() => store.userChangePassword('nobody', PW_HASH), 'userNotFound');
    throwsEtcd(() => store.userGrantRole('nobody', 'r'), 'userNotFound');
    throwsEtcd(() => store.userGrantRole('u', 'nope'), 'roleNotFound');
    throwsEtcd(() => store.userRevokeRole('u', 'nope'), 'roleNotGranted');
    throwsEtcd(() => store.userGet('nobody'), 'userNotFound');
    throwsEtcd(() => store.roleAdd(''), 'roleEmpty');
    throwsEtcd(() => store.roleAdd('r'), 'roleAlreadyExist');
    throwsEtcd(() => store.roleGet('nope'), 'roleNotFound');
    throwsEtcd(() => store.roleDelete('nope'), 'roleNotFound');
    throwsEtcd(() => store.roleRevokePermission('r', b('/x'), NONE), 'permissionNotGranted');
    throwsEtcd(() => store.roleGrantPermission('nope', { permType: 0, key: b('k'), rangeEnd: NONE }), 'roleNotFound');
  });

  it('bumps the revision once per change, not for no-ops', () => {
    const { store } = withUsers();
    const rev = store.revision;
    store.userGrantRole('u', 'r'); // already granted
    assert.equal(store.revision, rev);
    store.roleAdd('r2');
    assert.equal(store.revision, rev + 1n);
  });

  it('keeps roles sorted on users and permissions sorted by key; a re-grant changes the type in place', () => {
    const { store } = withUsers();
    store.roleAdd('a');
    store.userGrantRole('u', 'a');
    assert.deepEqual(store.userGet('u'), ['a', 'r']);
    store.roleGrantPermission('r', { permType: Permission_Type.READ, key: b('/a'), rangeEnd: NONE });
    store.roleGrantPermission('r', { permType: Permission_Type.WRITE, key: b('/foo'), rangeEnd: b('/fop') });
    assert.deepEqual(
      store.roleGet('r').map((p) => [p.key.toString(), p.rangeEnd.toString(), p.permType]),
      [
        ['/a', '', Permission_Type.READ],
        ['/foo', '/fop', Permission_Type.WRITE],
      ],
    );
  });

  it('deleting a role takes it away from every user', () => {
    const { store } = withUsers();
    store.roleDelete('r');
    assert.deepEqual(store.userGet('u'), []);
    assert.deepEqual(store.roleList(), []);
  });

  it('survives a reload from its buckets', () => {
    const { store, meta } = withUsers();
    store.enable();
    const again = new AuthStore(meta, new SimpleTokens(1000));
    assert.equal(again.enabled, true);
    assert.equal(again.revision, store.revision);
    assert.deepEqual(again.userList(), ['root', 'u']);
    assert.deepEqual(again.userGet('u'), ['r']);
    assert.equal(again.roleGet('r').length, 1);
  });
});

describe('auth store: enabling', () => {
  it('refuses without a root user, or when root lacks the root role', () => {
    const { store } = newStore();
    throwsEtcd(() => store.enable(), 'rootUserNotExist');
    store.userAdd('root', PW_HASH, undefined);
    throwsEtcd(() => store.enable(), 'rootRoleNotExist');
    store.userGrantRole('root', 'root');
    store.enable();
    assert.equal(store.enabled, true);
  });

  it('protects root while enabled', () => {
    const { store } = withUsers();
    store.enable();
    throwsEtcd(() => store.userDelete('root'), 'invalidAuthMgmt');
    throwsEtcd(() => store.userRevokeRole('root', 'root'), 'invalidAuthMgmt');
    throwsEtcd(() => store.roleDelete('root'), 'invalidAuthMgmt');
    store.disable();
    store.userRevokeRole('root', 'root');
    assert.deepEqual(store.userGet('root'), []);
  });
});

describe('auth store: permission checks', () => {
  it('lets everything through while disabled', () => {
    const { store } = withUsers();
    store.isPutPermitted({ user: '', revision: 0n }, b('/x'));
    store.isAdminPermitted(undefined);
  });

  it("checks keys and ranges against the user's roles; root may do anything", () => {
    const { store } = withUsers();
    store.enable();
    const u = { user: 'u', revision: store.revision };
    store.isRangePermitted(u, b('/foo/a'), NONE);
    store.isDeleteRangePermitted(u, b('/foo'), b('/fop'));
    throwsEtcd(() => store.isRangePermitted(u, b('/bar'), NONE), 'permissionDenied');
    throwsEtcd(() => store.isPutPermitted(u, b('/fop')), 'permissionDenied');
    throwsEtcd(() => store.isAdminPermitted(u), 'permissionDenied');
    const root = { user: 'root', revision: store.revision };
    store.isPutPermitted(root, b('/anything'));
    store.isAdminPermitted(root);
  });

  it('refuses missing credentials, unknown users and stale revisions', () => {
    const { store } = withUsers();
    store.enable();
    throwsEtcd(() => store.isRangePermitted({ user: '', revision: 0n }, b('/foo'), NONE), 'userEmpty');
    throwsEtcd(() => store.isAdminPermitted(undefined), 'userEmpty');
    throwsEtcd(() => store.isAdminPermitted({ user: 'ghost', revision: store.revision }), 'userNotFound');
    throwsEtcd(() => store.isRangePermitted({ user: 'ghost', revision: store.revision }, b('/foo'), NONE), 'permissionDenied');
    const old = { user: 'u', revision: store.revision };
    store.roleAdd('another');
    throwsEtcd(() => store.isRangePermitted(old, b('/foo'), NONE), 'authOldRevision');
  });

  it('follows role changes at once', () => {
    const { store } = withUsers();
    store.enable();
    store.roleRevokePermission('r', b('/foo'), b('/fop'));
    throwsEtcd(() => store.isRangePermitted({ user: 'u', revision: store.revision }, b('/foo/a'), NONE), 'permissionDenied');
  });
});

describe('auth store: passwords and tokens', () => {
  it('checks passwords only while enabled, with one error for every failure', async () => {
    const { store } = withUsers();
    await rejectsEtcd(store.checkPassword('u', 'pw'), 'authNotEnabled');
    store.enable();
    assert.equal(await store.checkPassword('u', 'pw'), store.revision);
    await rejectsEtcd(store.checkPassword('u', 'wrong'), 'authFailed');
    await rejectsEtcd(store.checkPassword('ghost', 'pw'), 'authFailed');
    store.userAdd('nopw', '', { noPassword: true });
    await rejectsEtcd(store.checkPassword('nopw', ''), 'authFailed');
  });

  it('mints simple tokens from the proposed prefix and the entry index, and forgets them on password change', () => {
    const { store } = withUsers();
    throwsEtcd(() => store.authenticate('u', 'abc', 7), 'authNotEnabled');
    store.enable();
    const token = store.authenticate('u', 'abcdefghijklmnop', 42);
    assert.equal(token, 'abcdefghijklmnop.42');
    assert.deepEqual(store.tokens.info(token, store.revision), { user: 'u', revision: store.revision });
    store.userChangePassword('u', PW_HASH);
    assert.equal(store.tokens.info(token, store.revision), undefined);
  });

  it('drops every token when auth is disabled', () => {
    const { store } = withUsers();
    store.enable();
    const token = store.authenticate('root', 'p', 1);
    store.disable();
    assert.equal(store.tokens.info(token, store.revision), undefined);
  });
});
