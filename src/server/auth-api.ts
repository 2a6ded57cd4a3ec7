// The Auth service and the identity checks in front of the other services, for one member. Changes go through Raft
// (apply-auth.ts applies them); bcrypt work happens here, before proposing, so the apply loop never waits on it.
import type {
  AuthDisableResponse,
  AuthEnableResponse,
  AuthenticateRequest,
  AuthenticateResponse,
  AuthRoleAddRequest,
  AuthRoleAddResponse,
  AuthRoleDeleteRequest,
  AuthRoleDeleteResponse,
  AuthRoleGetRequest,
  AuthRoleGetResponse,
  AuthRoleGrantPermissionRequest,
  AuthRoleGrantPermissionResponse,
  AuthRoleListResponse,
  AuthRoleRevokePermissionRequest,
  AuthRoleRevokePermissionResponse,
  AuthUserAddRequest,
  AuthUserAddResponse,
  AuthUserChangePasswordRequest,
  AuthUserChangePasswordResponse,
  AuthUserDeleteRequest,
  AuthUserDeleteResponse,
  AuthUserGetRequest,
  AuthUserGetResponse,
  AuthUserGrantRoleRequest,
  AuthUserGrantRoleResponse,
  AuthUserListResponse,
  AuthUserRevokeRoleRequest,
  AuthUserRevokeRoleResponse,
  ResponseHeader,
  WatchCreateRequest,
} from '../gen/etcdserverpb/rpc';
import { status as Status } from '@grpc/grpc-js';
import type { InternalRequest, RequestHeader } from '../gen/tetcdpb/internal';
import type { AuthStore } from '../auth/auth-store';
import { hashPassword } from '../auth/password';
import type { AuthApi, Caller } from './api';
import { EtcdError, type EtcdErrorName } from './errors';

/** How etcd's auth package words the errors an admin check can raise. */
const AUTH_PACKAGE_TEXT: Partial<Record<EtcdErrorName, string>> = {
  userEmpty: 'auth: user name is empty',
  userNotFound: 'auth: user not found',
  permissionDenied: 'auth: permission denied',
};

/** grpc-go's names of the status codes auth errors carry. */
const GO_CODE_NAMES: Partial<Record<number, string>> = {
  [Status.INVALID_ARGUMENT]: 'InvalidArgument',
  [Status.PERMISSION_DENIED]: 'PermissionDenied',
  [Status.UNAUTHENTICATED]: 'Unauthenticated',
  [Status.FAILED_PRECONDITION]: 'FailedPrecondition',
};

export interface AuthApiParts {
  store: AuthStore;
  bcryptCost: number;
  propose: <R>(fields: Partial<InternalRequest>) => Promise<R>;
  /** Resolves once this member has applied everything committed when it was called (a ReadIndex round). */
  readBarrier: () => Promise<void>;
  appliedIndex: () => number;
  header: () => ResponseHeader;
}

/** What a proposal records about its proposer; an absent caller is a client that gave no credentials. */
export function requestHeader(caller: Caller | undefined): RequestHeader {
  return { username: caller?.user ?? '', authRevision: caller?.revision ?? 0n };
}

export class AuthService implements AuthApi {
  constructor(private readonly p: AuthApiParts) {}

  // ---- who is calling ----

  async callerFromToken(token: string): Promise<Caller> {
    const needed = this.p.store.tokens.appliedIndexNeeded(token);
    if (needed < 0) throw new EtcdError('invalidAuthToken');
    // A token minted by an entry this member has not applied yet is not known here yet.
    if (needed > this.p.appliedIndex()) await this.p.readBarrier();
    const info = this.p.store.tokens.info(token, this.p.store.revision);
    if (!info) throw new EtcdError('invalidAuthToken');
    return info;
  }

  callerFromCommonName(cn: string): Caller {
    return { user: cn, revision: this.p.store.revision };
  }

  async authenticateBasic(user: string, password: string): Promise<Caller> {
    const revision = await this.p.store.checkPassword(user, password);
    return { user, revision };
  }

  // ---- checks the other services make ----

  /** Root only, when auth is on: maintenance and membership changes. */
  checkAdmin(caller: Caller | undefined): void {
    this.p.store.isAdminPermitted(caller);
  }

  /**
   * A read served without Raft: checked before it runs, and refused afterwards when the auth store changed while it
   * ran, since the check may no longer hold.
   */
  async serialized<T>(caller: Caller | undefined, check: (who: Caller) => void, read: () => Promise<T>): Promise<T> {
    const who = caller ?? { user: '', revision: 0n };
    check(who);
    const result = await read();
    if (who.revision !== 0n && who.revision !== this.p.store.revision) throw new EtcdError('authOldRevision');
    return result;
  }

  /**
   * Read permission on a watched range. A refusal cancels the watch; its reason is the gRPC error's text, as a Go
   * client would print it.
   */
  checkWatch(caller: Caller | Error | undefined, req: WatchCreateRequest): void {
    try {
      if (caller instanceof Error) throw caller;
      this.p.store.isRangePermitted(caller ?? { user: '', revision: 0n }, req.key, req.rangeEnd);
    } catch (err) {
      if (!(err instanceof EtcdError)) throw err;
      throw new Error(`rpc error: code = ${GO_CODE_NAMES[err.code] ?? 'Unknown'} desc = ${err.message}`);
    }
  }

  /**
   * The admin check of Defragment, Snapshot, Hash and HashKV. etcd's maintenance service passes these failures on
   * unconverted, so clients see status UNKNOWN with the auth package's own wording.
   */
  checkMaintenance(caller: Caller | undefined): void {
    try {
      this.checkAdmin(caller);
    } catch (err) {
      const raw = err instanceof EtcdError ? AUTH_PACKAGE_TEXT[err.kind] : undefined;
      throw raw ? new Error(raw) : err;
    }
  }

  // ---- the Auth service ----

  async authenticate(req: AuthenticateRequest): Promise<AuthenticateResponse> {
    await this.p.readBarrier();
    for (;;) {
      const checkedAt = await this.p.store.checkPassword(req.name, req.password);
      // Only the name goes into the log: the password was checked here.
      const simpleToken = this.p.store.tokens.genPrefix();
      const res = await this.p.propose<AuthenticateResponse>({ authenticate: { name: req.name, password: '', simpleToken } });
      // A change to the auth store between the check and the apply may have changed the password: check again.
      if (checkedAt === this.p.store.revision) return res;
    }
  }

  authEnable(caller?: Caller): Promise<AuthEnableResponse> {
    return this.change({ authEnable: {} }, caller);
  }

  authDisable(caller?: Caller): Promise<AuthDisableResponse> {
    return this.change({ authDisable: {} }, caller);
  }

  async userAdd(req: AuthUserAddRequest, caller?: Caller): Promise<AuthUserAddResponse> {
    if (req.name === '') throw new EtcdError('userEmpty');
    const noPassword = req.options?.noPassword ?? false;
    const hash = noPassword ? '' : await hashPassword(req.password, this.p.bcryptCost);
    return this.change({ authUserAdd: { name: req.name, password: hash, options: { noPassword } } }, caller);
  }

  userDelete(req: AuthUserDeleteRequest, caller?: Caller): Promise<AuthUserDeleteResponse> {
    return this.change({ authUserDelete: req }, caller);
  }

  async userChangePassword(req: AuthUserChangePasswordRequest, caller?: Caller): Promise<AuthUserChangePasswordResponse> {
    const hash = await hashPassword(req.password, this.p.bcryptCost);
    return this.change({ authUserChangePassword: { name: req.name, password: hash } }, caller);
  }

  userGrantRole(req: AuthUserGrantRoleRequest, caller?: Caller): Promise<AuthUserGrantRoleResponse> {
    return this.change({ authUserGrantRole: req }, caller);
  }

  userRevokeRole(req: AuthUserRevokeRoleRequest, caller?: Caller): Promise<AuthUserRevokeRoleResponse> {
    return this.change({ authUserRevokeRole: req }, caller);
  }

  roleAdd(req: AuthRoleAddRequest, caller?: Caller): Promise<AuthRoleAddResponse> {
    return this.change({ authRoleAdd: req }, caller);
  }

  roleDelete(req: AuthRoleDeleteRequest, caller?: Caller): Promise<AuthRoleDeleteResponse> {
    return this.change({ authRoleDelete: req }, caller);
  }

  roleGrantPermission(req: AuthRoleGrantPermissionRequest, caller?: Caller): Promise<AuthRoleGrantPermissionResponse> {
    return this.change({ authRoleGrantPermission: req }, caller);
  }

  roleRevokePermission(req: AuthRoleRevokePermissionRequest, caller?: Caller): Promise<AuthRoleRevokePermissionResponse> {
    return this.change({ authRoleRevokePermission: req }, caller);
  }

  // Reads of the auth store are answered after a read barrier instead of through Raft; the results are the same.

  async userGet(req: AuthUserGetRequest, caller?: Caller): Promise<AuthUserGetResponse> {
    await this.p.readBarrier();
    // Users may look themselves up without being root.
    if (caller?.user !== req.name) this.checkAdmin(caller);
    return { header: this.p.header(), roles: this.p.store.userGet(req.name) };
  }

  async userList(caller?: Caller): Promise<AuthUserListResponse> {
    await this.p.readBarrier();
    this.checkAdmin(caller);
    return { header: this.p.header(), users: this.p.store.userList() };
  }

  async roleGet(req: AuthRoleGetRequest, caller?: Caller): Promise<AuthRoleGetResponse> {
    await this.p.readBarrier();
    // Users may read the roles they hold.
    if (!caller || !this.p.store.hasRole(caller.user, req.role)) this.checkAdmin(caller);
    return { header: this.p.header(), perm: this.p.store.roleGet(req.role) };
  }

  async roleList(caller?: Caller): Promise<AuthRoleListResponse> {
    await this.p.readBarrier();
    this.checkAdmin(caller);
    return { header: this.p.header(), roles: this.p.store.roleList() };
  }

  /** The admin check happens when the entry is applied, against the auth state of that moment. */
  private change<R>(fields: Partial<InternalRequest>, caller: Caller | undefined): Promise<R> {
    return this.p.propose<R>({ ...fields, header: requestHeader(caller) });
  }
}
