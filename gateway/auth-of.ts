// Both gateways are handed the service layer; the member's server also carries etcd's auth service, which is what
// turns a request's credentials into a Caller. Test doubles without it leave the gateways credential-blind.
import type { AuthApi } from '../src/server/api';

/** `api`'s auth service, when it has one. */
export function authOf(api: object): AuthApi | undefined {
  const candidate = api as Partial<AuthApi>;
  const complete =
    typeof candidate.callerFromToken === 'function' &&
    typeof candidate.authenticateBasic === 'function' &&
    typeof candidate.authenticate === 'function';
  return complete ? (api as AuthApi) : undefined;
}
