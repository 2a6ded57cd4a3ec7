// The auth side of applying a Raft entry, as every member does it: the permission check of a client's write against
// the auth state at apply time, and the changes to the auth store itself.
import type { RequestOp, ResponseHeader, TxnRequest } from '../gen/etcdserverpb/rpc';
import type { InternalRequest } from '../gen/tetcdpb/internal';
import type { AuthStore } from './auth-store';
import type { AuthInfo } from './types';

/** Keys attached to a lease: revoking it, or putting with it, writes them all. */
export type LeaseKeys = (lease: bigint) => Buffer[];

const EMPTY = Buffer.alloc(0);

function opsPermitted(store: AuthStore, who: AuthInfo, ops: RequestOp[]): void {
  for (const op of ops) {
    if (op.requestRange) store.isRangePermitted(who, op.requestRange.key, op.requestRange.rangeEnd);
    if (op.requestPut) {
      store.isPutPermitted(who, op.requestPut.key);
      if (op.requestPut.prevKv) store.isRangePermitted(who, op.requestPut.key, EMPTY);
    }
    if (op.requestDeleteRange) {
      const { key, rangeEnd, prevKv } = op.requestDeleteRange;
      if (prevKv) store.isRangePermitted(who, key, rangeEnd);
      store.isDeleteRangePermitted(who, key, rangeEnd);
    }
    if (op.requestTxn) txnPermitted(store, who, op.requestTxn);
  }
}

/** Every compared key must be readable, and every operation of both branches permitted. */
export function txnPermitted(store: AuthStore, who: AuthInfo, txn: TxnRequest): void {
  for (const c of txn.compare) store.isRangePermitted(who, c.key, c.rangeEnd);
  opsPermitted(store, who, txn.success);
  opsPermitted(store, who, txn.failure);
}

function leaseKeysWritable(store: AuthStore, who: AuthInfo, lease: bigint, leaseKeys: LeaseKeys): void {
  if (lease === 0n) return;
  for (const key of leaseKeys(lease)) store.isPutPermitted(who, key);
}

function needsAdmin(req: InternalRequest): boolean {
  return (
    req.authEnable !== undefined ||
    req.authDisable !== undefined ||
    req.authUserAdd !== undefined ||
    req.authUserDelete !== undefined ||
    req.authUserChangePassword !== undefined ||
    req.authUserGrantRole !== undefined ||
    req.authUserRevokeRole !== undefined ||
    req.authRoleAdd !== undefined ||
    req.authRoleDelete !== undefined ||
    req.authRoleGrantPermission !== undefined ||
    req.authRoleRevokePermission !== undefined
  );
}

/**
 * Throws etcd's error when the entry's proposer may not do what it asks. Entries without a header were proposed by
 * the members themselves (lease expiry, alarms, member attributes) and are always allowed.
 */
export function authorizeEntry(store: AuthStore, req: InternalRequest, leaseKeys: LeaseKeys): void {
  if (!req.header || !store.enabled) return;
  const who: AuthInfo = { user: req.header.username, revision: req.header.authRevision };
  if (needsAdmin(req)) store.isAdminPermitted(who);
  if (req.put) {
    store.isPutPermitted(who, req.put.key);
    leaseKeysWritable(store, who, req.put.lease, leaseKeys);
    if (req.put.prevKv) store.isRangePermitted(who, req.put.key, EMPTY);
  }
  if (req.deleteRange) {
    store.isDeleteRangePermitted(who, req.deleteRange.key, req.deleteRange.rangeEnd);
    if (req.deleteRange.prevKv) store.isRangePermitted(who, req.deleteRange.key, req.deleteRange.rangeEnd);
  }
  if (req.txn) txnPermitted(store, who, req.txn);
  if (req.leaseRevoke) leaseKeysWritable(store, who, req.leaseRevoke.ID, leaseKeys);
}

/**
 * Applies an auth request: its response, or undefined when `req` is not one. User add and change password carry
 * the bcrypt hash in their password field: the proposer hashed it, so no clear text reaches the Raft log.
 */
export function applyAuthRequest(
  store: AuthStore,
  req: InternalRequest,
  index: number,
  header: () => ResponseHeader,
): object | undefined {
  if (req.authEnable) {
    store.enable();
    return { header: header() };
  }
  if (req.authDisable) {
    store.disable();
    return { header: header() };
  }
  if (req.authenticate) {
    const token = store.authenticate(req.authenticate.name, req.authenticate.simpleToken, index);
    return { header: header(), token };
  }
  if (req.authUserAdd) {
    store.userAdd(req.authUserAdd.name, req.authUserAdd.password, req.authUserAdd.options);
    return { header: header() };
  }
  if (req.authUserDelete) {
    store.userDelete(req.authUserDelete.name);
    return { header: header() };
  }
  if (req.authUserChangePassword) {
    store.userChangePassword(req.authUserChangePassword.name, req.authUserChangePassword.password);
    return { header: header() };
  }
  if (req.authUserGrantRole) {
    store.userGrantRole(req.authUserGrantRole.user, req.authUserGrantRole.role);
    return { header: header() };
  }
  if (req.authUserRevokeRole) {
    store.userRevokeRole(req.authUserRevokeRole.name, req.authUserRevokeRole.role);
    return { header: header() };
  }
  if (req.authRoleAdd) {
    store.roleAdd(req.authRoleAdd.name);
    return { header: header() };
  }
  if (req.authRoleDelete) {
    store.roleDelete(req.authRoleDelete.role);
    return { header: header() };
  }
  if (req.authRoleGrantPermission) {
    const { name, perm } = req.authRoleGrantPermission;
    store.roleGrantPermission(name, perm ?? { key: EMPTY, rangeEnd: EMPTY, permType: 0 });
    return { header: header() };
  }
  if (req.authRoleRevokePermission) {
    const { role, key, rangeEnd } = req.authRoleRevokePermission;
    store.roleRevokePermission(role, key, rangeEnd);
    return { header: header() };
  }
  return undefined;
}
