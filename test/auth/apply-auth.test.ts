import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyAuthRequest, authorizeEntry } from '../../src/auth/apply-auth';
import { Permission_Type } from '../../src/gen/authpb/auth';
import type { PutRequest, TxnRequest } from '../../src/gen/etcdserverpb/rpc';
import type { InternalRequest } from '../../src/gen/tetcdpb/internal';
import { ETCD_ERRORS } from '../../src/server/errors';
import { PW_HASH, newStore } from './helpers';

const b = (s: string): Buffer => Buffer.from(s);
const NONE = Buffer.alloc(0);
const header = () => ({ clusterId: 1n, memberId: 2n, revision: 3n, raftTerm: 4n });

function setup() {
  const { store } = newStore();
  store.userAdd('root', PW_HASH, undefined);
  store.userGrantRole('root', 'root');
  store.roleAdd('r');
  store.roleGrantPermission('r', { permType: Permission_Type.READWRITE, key: b('/foo'), rangeEnd: b('/fop') });
  store.roleGrantPermission('r', { permType: Permission_Type.WRITE, key: b('/w'), rangeEnd: NONE });
  store.userAdd('u', PW_HASH, undefined);
  store.userGrantRole('u', 'r');
  store.enable();
  const as = (user: string): InternalRequest['header'] => ({ username: user, authRevision: store.revision });
  return { store, as };
}

const put = (key: string, extra: Partial<PutRequest> = {}): PutRequest => ({
  key: b(key), value: b('v'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false, ...extra,
});

const denied = (err: Error) => err.message === ETCD_ERRORS.permissionDenied.message;
const noLeaseKeys = (): Buffer[] => [];

describe('authorizing applied entries', () => {
  it('checks puts, and the read that prev_kv needs', () => {
    const { store, as } = setup();
    authorizeEntry(store, { id: 1n, header: as('u'), put: put('/foo/a') }, noLeaseKeys);
    authorizeEntry(store, { id: 1n, header: as('u'), put: put('/w') }, noLeaseKeys);
    assert.throws(() => authorizeEntry(store, { id: 1n, header: as('u'), put: put('/w', { prevKv: true }) }, noLeaseKeys), denied);
    assert.throws(() => authorizeEntry(store, { id: 1n, header: as('u'), put: put('/x') }, noLeaseKeys), denied);
  });

  it("a put with a lease, or a lease revoke, needs write access to the lease's keys", () => {
    const { store, as } = setup();
    const keys = (lease: bigint) => (lease === 5n ? [b('/foo/a'), b('/secret')] : []);
    assert.throws(() => authorizeEntry(store, { id: 1n, header: as('u'), put: put('/foo/b', { lease: 5n }) }, keys), denied);
    assert.throws(() => authorizeEntry(store, { id: 1n, header: as('u'), leaseRevoke: { ID: 5n } }, keys), denied);
    authorizeEntry(store, { id: 1n, header: as('u'), leaseRevoke: { ID: 6n } }, keys);
  });

  it('checks every compare and every op of both txn branches', () => {
    const { store, as } = setup();
    const txn = (over: Partial<TxnRequest>): TxnRequest => ({ compare: [], success: [], failure: [], ...over });
    const ok = txn({ success: [{ requestPut: put('/foo/x') }], failure: [{ requestRange: { key: b('/foo'), rangeEnd: b('/fop') } as never }] });
    authorizeEntry(store, { id: 1n, header: as('u'), txn: ok }, noLeaseKeys);
    const badFailure = txn({ failure: [{ requestPut: put('/elsewhere') }] });
    assert.throws(() => authorizeEntry(store, { id: 1n, header: as('u'), txn: badFailure }, noLeaseKeys), denied);
    const badCompare = txn({ compare: [{ key: b('/other'), rangeEnd: NONE } as never] });
    assert.throws(() => authorizeEntry(store, { id: 1n, header: as('u'), txn: badCompare }, noLeaseKeys), denied);
  });

  it('auth changes need root; entries the members proposed themselves carry no header and pass', () => {
    const { store, as } = setup();
    assert.throws(() => authorizeEntry(store, { id: 1n, header: as('u'), authRoleAdd: { name: 'x' } }, noLeaseKeys), denied);
    authorizeEntry(store, { id: 1n, header: as('root'), authRoleAdd: { name: 'x' } }, noLeaseKeys);
    authorizeEntry(store, { id: 1n, leaseRevoke: { ID: 5n } }, () => [b('/secret')]);
  });

  it('refuses an entry checked against an older auth revision', () => {
    const { store, as } = setup();
    const stale = as('u');
    store.roleAdd('later');
    assert.throws(
      () => authorizeEntry(store, { id: 1n, header: stale, put: put('/foo/a') }, noLeaseKeys),
      (err: Error) => err.message === ETCD_ERRORS.authOldRevision.message,
    );
  });
});

describe('applying auth requests', () => {
  it('applies changes, answers with the header, and ignores other requests', () => {
    const { store } = setup();
    const res = applyAuthRequest(store, { id: 1n, authRoleAdd: { name: 'new' } }, 10, header);
    assert.deepEqual(res, { header: header() });
    assert.ok(store.roleList().includes('new'));
    const auth = applyAuthRequest(store, { id: 1n, authenticate: { name: 'u', password: '', simpleToken: 'abcdefghijklmnop' } }, 11, header);
    assert.deepEqual(auth, { header: header(), token: 'abcdefghijklmnop.11' });
    assert.equal(applyAuthRequest(store, { id: 1n, put: put('/foo') }, 12, header), undefined);
  });
});
