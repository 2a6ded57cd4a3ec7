// How grpc-gateway (v1.9, as vendored by etcd 3.4) reports a failed call: the HTTP status it picks for each gRPC
// code, the error object of a unary call, and the error chunk that ends a streamed response.
import { STATUS_CODES } from 'node:http';
import { status as Status } from '@grpc/grpc-js';
import { goQuote } from './json-codec';

const HTTP_BY_GRPC: Record<number, number> = {
  [Status.OK]: 200,
  [Status.CANCELLED]: 408,
  [Status.UNKNOWN]: 500,
  [Status.INVALID_ARGUMENT]: 400,
  [Status.DEADLINE_EXCEEDED]: 504,
  [Status.NOT_FOUND]: 404,
  [Status.ALREADY_EXISTS]: 409,
  [Status.PERMISSION_DENIED]: 403,
  [Status.UNAUTHENTICATED]: 401,
  [Status.RESOURCE_EXHAUSTED]: 429,
  [Status.FAILED_PRECONDITION]: 412,
  [Status.ABORTED]: 409,
  [Status.OUT_OF_RANGE]: 400,
  [Status.UNIMPLEMENTED]: 501,
  [Status.INTERNAL]: 500,
  [Status.UNAVAILABLE]: 503,
  [Status.DATA_LOSS]: 500,
};

export function httpStatusFromGrpc(code: number): number {
  return HTTP_BY_GRPC[code] ?? 500;
}

/** The body of a failed unary call: `{"error":…,"message":…,"code":N}` (error and message are the same text). */
export function errorBody(code: number, message: string): string {
  const m = goQuote(message);
  return `{"error":${m},"message":${m},"code":${code}}`;
}

/** The chunk grpc-gateway writes when a streamed call fails; no newline follows it. */
export function streamErrorChunk(code: number, message: string): string {
  const http = httpStatusFromGrpc(code);
  const msg = message === '' ? '' : `,"message":${goQuote(message)}`;
  return `{"error":{"grpc_code":${code},"http_code":${http}${msg},"http_status":${goQuote(STATUS_CODES[http] ?? '')}}}`;
}

/** What a gRPC server answers for a service it does not register: the auth routes of a gateway given no auth service. */
export const AUTH_UNIMPLEMENTED = { code: Status.UNIMPLEMENTED, message: 'unknown service etcdserverpb.Auth' };
