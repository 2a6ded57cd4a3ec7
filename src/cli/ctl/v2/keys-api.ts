// Calls to /v2/keys, turning the server's JSON errors into etcdctl v2's "100: Key not found (/a) [6]" errors.
import { CtlError } from '../errors';
import { requestAny, V2Exit } from './http';
import type { V2Response } from './format';
import type { V2Options } from './options';

interface ServerError {
  errorCode: number;
  message: string;
  cause?: string;
  index: number;
}

function keyPath(key: string): string {
  const clean = key.startsWith('/') ? key : `/${key}`;
  return '/v2/keys' + clean.split('/').map(encodeURIComponent).join('/');
}

export async function keysRequest(
  opts: V2Options,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  key: string,
  params: Record<string, string | undefined>,
  timeoutMs?: number,
): Promise<V2Response> {
  const defined: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) defined[k] = v;
  const query = new URLSearchParams(method === 'PUT' || method === 'POST' ? {} : defined).toString();
  const res = await requestAny(opts, keyPath(key) + (query ? `?${query}` : ''), {
    method,
    form: method === 'PUT' || method === 'POST' ? defined : undefined,
    timeoutMs,
  });
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new CtlError(V2Exit.serverError, `client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint.`);
  }
  const index = Number(res.headers['x-etcd-index'] ?? 0);
  if (res.status >= 400) {
    const e = body as ServerError;
    throw new CtlError(V2Exit.serverError, `${e.errorCode}: ${e.message} (${e.cause ?? ''}) [${e.index}]`);
  }
  return { ...(body as Omit<V2Response, 'index'>), index };
}
