// The HTTP side of the v2 client: one request tried against each endpoint in turn, with etcdctl v2's errors.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { CtlError } from '../errors';
import type { V2Options } from './options';

/** etcdctl v2's exit codes (ctlv2/command/error.go). */
export const V2Exit = { success: 0, badArgs: 1, badConnection: 2, badAuth: 3, serverError: 4, clusterNotHealthy: 5 } as const;

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  opts: V2Options,
  url: string,
  init: { method?: string; form?: Record<string, string>; json?: unknown; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const target = new URL(url);
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] = 'application/json';
  }
  if (opts.username !== '') {
    const [user, ...rest] = opts.username.split(':');
    headers.authorization = 'Basic ' + Buffer.from(`${user}:${rest.join(':')}`).toString('base64');
  }
  const tls =
    target.protocol === 'https:'
      ? {
          ca: opts.caFile !== '' ? fs.readFileSync(opts.caFile) : undefined,
          cert: opts.certFile !== '' ? fs.readFileSync(opts.certFile) : undefined,
          key: opts.keyFile !== '' ? fs.readFileSync(opts.keyFile) : undefined,
        }
      : {};
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(target, { method: init.method ?? 'GET', headers, ...tls }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    const timeout = init.timeoutMs ?? opts.totalTimeoutMs;
    if (timeout > 0) req.setTimeout(timeout, () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Sends the request to each endpoint until one answers; none answering is etcdctl's "cluster unavailable". */
export async function requestAny(
  opts: V2Options,
  path: string,
  init: Parameters<typeof request>[2] = {},
): Promise<HttpResult> {
  const failures: string[] = [];
  for (const ep of opts.endpoints) {
    try {
      return await request(opts, ep.replace(/\/+$/, '') + path, init);
    } catch (err) {
      failures.push(describe(err, ep));
    }
  }
  const detail = failures.map((f, i) => `error #${i}: ${f}`).join('\n');
  throw new CtlError(
    V2Exit.badConnection,
    `client: etcd cluster is unavailable or misconfigured; ${failures.map((f, i) => `error #${i}: ${f}`).join('; ')}\n\n${detail}\n`,
  );
}

function describe(err: unknown, endpoint: string): string {
  const e = err as NodeJS.ErrnoException;
  const host = endpoint.replace(/^\w+:\/\//, '').replace(/\/.*$/, '');
  if (e.code === 'ECONNREFUSED') return `dial tcp ${host}: connect: connection refused`;
  return e.message;
}
