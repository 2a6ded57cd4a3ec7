// Parses --auth-token ("simple", or "jwt,sign-method=RS256,pub-key=...,priv-key=...,ttl=10m") into a provider.
import fs from 'node:fs';
import { parseGoDuration } from '../config/go-values';
import { JwtTokens } from './jwt-token';
import { SimpleTokens } from './simple-token';
import type { TokenProvider } from './types';

const JWT_OPTIONS = new Set(['sign-method', 'pub-key', 'priv-key', 'ttl']);
const DEFAULT_JWT_TTL_MS = 5 * 60 * 1000;

export function parseTokenOptions(text: string): { kind: string; options: Map<string, string> } {
  const [kind, ...pairs] = text.split(',');
  const options = new Map<string, string>();
  for (const pair of pairs) {
    const kv = pair.split('=');
    if (kv.length !== 2 || options.has(kv[0])) throw new Error(`auth: invalid auth options: ${text}`);
    options.set(kv[0], kv[1]);
  }
  return { kind, options };
}

/** The provider --auth-token asks for; `simpleTtlSeconds` is --auth-token-ttl. */
export function createTokenProvider(text: string, simpleTtlSeconds: number): TokenProvider {
  const { kind, options } = parseTokenOptions(text);
  if (kind === 'simple') return new SimpleTokens(simpleTtlSeconds * 1000);
  if (kind !== 'jwt') throw new Error(`auth: invalid auth options: unknown token type "${kind}"`);
  for (const name of options.keys()) {
    if (!JWT_OPTIONS.has(name)) throw new Error(`auth: invalid auth options: unknown jwt option "${name}"`);
  }
  const file = (name: string): Buffer | undefined => {
    const p = options.get(name);
    return p ? fs.readFileSync(p) : undefined;
  };
  const ttl = options.get('ttl');
  return new JwtTokens({
    signMethod: options.get('sign-method') ?? '',
    privateKey: file('priv-key'),
    publicKey: file('pub-key'),
    ttlMs: ttl ? parseGoDuration(ttl) : DEFAULT_JWT_TTL_MS,
  });
}
