// HTTP basic auth for the v2 API, mapped onto the v3 users and permissions. etcd 3.4 checks v2 requests only
// against its separate v2 auth store and ignores v3 auth; here the v2 tree lives in the v3 keyspace, so v3 auth
// governs it, and `curl -u user:pass` names the v3 user whose role permissions apply to the keys underneath.
import type { AuthApi, Caller } from '../../src/server/api';
import { ETCD_ERRORS, EtcdError } from '../../src/server/errors';
import { V2Error, V2_CODES } from './errors';

/** The user and password of an `Authorization: Basic …` header; undefined for anything else, as Go's BasicAuth. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^basic (.*)$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The caller a request's basic credentials name: undefined without credentials, and also while auth is off, when
 * etcd ignores them. A wrong password rejects with the v2 "Insufficient credentials" error.
 */
export async function basicAuthCaller(auth: AuthApi | undefined, header: string | undefined): Promise<Caller | undefined> {
  const creds = basicCredentials(header);
  if (auth === undefined || creds === undefined) return undefined;
  try {
    return await auth.authenticateBasic(creds.user, creds.password);
  } catch (err) {
    if (err instanceof EtcdError && err.kind === 'authNotEnabled') return undefined;
    throw asInsufficientCredentials(err) ?? err;
  }
}

// What the service layer says when it refuses a caller; a refused v2 watch carries the same text in its reason.
const REFUSALS = [ETCD_ERRORS.userEmpty, ETCD_ERRORS.userNotFound, ETCD_ERRORS.authFailed, ETCD_ERRORS.permissionDenied].map(
  (e) => e.message,
);

/** etcd's v2 answer to an unauthorized key request (401, code 110), for a failure that is an auth refusal. */
export function asInsufficientCredentials(err: unknown): V2Error | undefined {
  const message = err instanceof Error ? err.message : String(err);
  if (!REFUSALS.some((text) => message.includes(text))) return undefined;
  return new V2Error(V2_CODES.unauthorized, 'Insufficient credentials', 0n);
}
