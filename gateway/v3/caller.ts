// grpc-gateway forwards the HTTP Authorization header as the gRPC metadata "authorization", which etcd accepts in
// place of "token": the header holds the bare token that /v3/auth/authenticate returned (no "Bearer " scheme).
import type { FastifyRequest } from 'fastify';
import type { AuthApi, Caller } from '../../src/server/api';

/** Who a gateway request comes from; rejects (etcd's "invalid auth token") when the token is not known. */
export type CallerOf = (request: FastifyRequest) => Promise<Caller | undefined>;

export function tokenCaller(auth: AuthApi | undefined): CallerOf {
  return async (request) => {
    const token = request.headers.authorization;
    if (auth === undefined || token === undefined || token === '') return undefined;
    return auth.callerFromToken(token);
  };
}
