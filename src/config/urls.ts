// URL-list rules etcd applies to its *-urls flags. Node's WHATWG URL is not used on purpose: it
// rewrites hosts and drops default ports, while etcd needs the literal "host:port" the user wrote.
import { isIP } from 'node:net';
import { ValueError } from './go-values';

const ALLOWED_SCHEMES = new Set(['http', 'https', 'unix', 'unixs']);

interface SplitUrl {
  scheme: string;
  host: string;
  path: string;
}

function splitUrl(text: string): SplitUrl {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/.exec(text);
  if (!m) return { scheme: '', host: '', path: text };
  const scheme = m[1].toLowerCase();
  let rest = m[2];
  if (!rest.startsWith('//')) return { scheme, host: '', path: rest };
  rest = rest.slice(2);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? '' : rest.slice(end);
  const path = tail.startsWith('/') ? tail.replace(/[?#].*$/, '') : '';
  return { scheme, host: authority.slice(authority.lastIndexOf('@') + 1), path };
}

/** net.SplitHostPort: requires a port separator; brackets are mandatory for IPv6. */
export function splitHostPort(hostport: string): { host: string; port: string } {
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0 || hostport[close + 1] !== ':') throw new ValueError(`missing port in address ${hostport}`);
    return { host: hostport.slice(1, close), port: hostport.slice(close + 2) };
  }
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) throw new ValueError(`missing port in address ${hostport}`);
  const host = hostport.slice(0, colon);
  if (host.includes(':')) throw new ValueError(`too many colons in address ${hostport}`);
  return { host, port: hostport.slice(colon + 1) };
}

/** One URL as etcd's types.NewURLs accepts it. */
export function checkUrl(raw: string): string {
  const text = raw.trim();
  if (/[\s\x00-\x1f\x7f]/.test(text)) throw new ValueError(`invalid URL: ${text}`);
  const u = splitUrl(text);
  if (!ALLOWED_SCHEMES.has(u.scheme)) {
    throw new ValueError(`URL scheme must be http, https, unix, or unixs: ${text}`);
  }
  try {
    splitHostPort(u.host);
  } catch {
    throw new ValueError(`URL address does not have the form "host:port": ${text}`);
  }
  if (u.path !== '') throw new ValueError(`URL must not contain a path: ${text}`);
  return text;
}

/** A comma-separated URL list: validated, de-duplicated and sorted (etcd keeps them sorted). */
export function parseUrlList(text: string): string[] {
  const urls = text.split(',').map(checkUrl);
  return [...new Set(urls)].sort();
}

export function hostOf(url: string): string {
  return splitHostPort(splitUrl(url).host).host;
}

export function schemeOf(url: string): string {
  return splitUrl(url).scheme;
}

/** Listen URLs must name an IP literal (or localhost), since binding does not resolve names. */
export function checkBindUrls(urls: string[]): void {
  for (const url of urls) {
    const scheme = schemeOf(url);
    if (scheme === 'unix' || scheme === 'unixs') continue;
    const host = hostOf(url);
    if (host === 'localhost') continue;
    if (isIP(host) === 0) throw new ValueError(`expected IP in URL for binding (${url})`);
  }
}

/** Advertised URLs must at least have a host. */
export function checkHostUrls(urls: string[]): void {
  for (const url of urls) {
    if (hostOf(url) === '') throw new ValueError(`unexpected empty host (${url})`);
  }
}

/**
 * "--initial-cluster" text (name=url,name=url,...) into name → URLs, with etcd's lenient
 * splitting: empty items are skipped and an item without '=' is a name with an empty URL.
 */
export function parseInitialCluster(text: string): Map<string, string[]> {
  const raw = new Map<string, string[]>();
  for (const item of text.split(',')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const url = eq < 0 ? '' : item.slice(eq + 1);
    raw.set(name, [...(raw.get(name) ?? []), url]);
  }
  const members = new Map<string, string[]>();
  for (const [name, urls] of raw) members.set(name, [...new Set(urls.map(checkUrl))].sort());
  return members;
}
