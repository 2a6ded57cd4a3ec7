// A minimal HTTP client for gateway tests: exact methods, raw bodies, and incremental reads for watches.
import http from 'node:http';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const sized = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(`${base}${path}`, { method, headers: sized }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A streaming GET: `lines` collects each newline-terminated chunk as it arrives. */
export interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  lines: string[];
  /** Resolves once `n` lines have arrived. */
  waitLines(n: number): Promise<string[]>;
  ended: Promise<void>;
  close(): void;
}

export function openStream(base: string, path: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, (res) => {
      const lines: string[] = [];
      const waiters: Array<{ n: number; resolve: (l: string[]) => void }> = [];
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          lines.push(buffered.slice(0, nl + 1));
          buffered = buffered.slice(nl + 1);
        }
        for (const w of waiters.filter((x) => lines.length >= x.n)) w.resolve(lines.slice(0, w.n));
      });
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        lines,
        waitLines: (n) =>
          lines.length >= n ? Promise.resolve(lines.slice(0, n)) : new Promise((r) => waiters.push({ n, resolve: r })),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
