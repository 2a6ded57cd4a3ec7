// One Auth service call for the user/role/auth commands, with failures reported the way etcdctl reports them.
import type { CallOptions, Metadata, ServiceError } from '@grpc/grpc-js';
import type { AuthClient } from '../../../gen/etcdserverpb/rpc';
import { grpcError, type Connection } from '../connection';

type Auth = InstanceType<typeof AuthClient>;
type Callback<T> = (err: ServiceError | null, res: T) => void;
export type AuthCall<T> = (auth: Auth, md: Metadata, o: Partial<CallOptions>, cb: Callback<T>) => unknown;

/** etcdctl's user and role commands run without a deadline (context.TODO), unlike auth enable/disable. */
export const NO_DEADLINE = 0;

export function authUnary<T>(conn: Connection, timeoutMs: number, call: AuthCall<T>): Promise<T> {
  return conn.unary<T>((md, o, cb) => call(conn.auth, md, o, cb), timeoutMs).catch((e) => Promise.reject(grpcError(e)));
}
