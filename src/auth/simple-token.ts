// --auth-token simple: random opaque tokens that every member learns by applying the Authenticate entry, valid for a
// TTL that each use extends. They live in memory only, so a restarted member forgets them and clients log in again.
import { randomInt } from 'node:crypto';
import type { AuthInfo, TokenProvider } from './types';

const PREFIX_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const PREFIX_LENGTH = 16;

interface Issued {
  user: string;
  expiresAt: number;
}

export class SimpleTokens implements TokenProvider {
  private readonly tokens = new Map<string, Issued>();
  private enabled = false;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  enable(): void {
    this.enabled = true;
  }

  disable(): void {
    this.enabled = false;
    this.tokens.clear();
  }

  genPrefix(): string {
    let s = '';
    for (let i = 0; i < PREFIX_LENGTH; i++) s += PREFIX_LETTERS[randomInt(PREFIX_LETTERS.length)];
    return s;
  }

  assign(user: string, _revision: bigint, prefix: string, index: number): string {
    // The Raft index makes the token unique even if two members drew the same prefix.
    const token = `${prefix}.${index}`;
    if (this.enabled) {
      this.dropExpired();
      this.tokens.set(token, { user, expiresAt: this.now() + this.ttlMs });
    }
    return token;
  }

  info(token: string, currentRevision: bigint): AuthInfo | undefined {
    if (this.appliedIndexNeeded(token) < 0) return undefined;
    const issued = this.tokens.get(token);
    if (!issued) return undefined;
    const now = this.now();
    if (issued.expiresAt <= now) {
      this.tokens.delete(token);
      return undefined;
    }
    issued.expiresAt = now + this.ttlMs;
    // A simple token carries no revision: it speaks for its user as the store stands now.
    return { user: issued.user, revision: currentRevision };
  }

  /** The index after the dot; -1 for anything not shaped like our tokens. */
  appliedIndexNeeded(token: string): number {
    const parts = token.split('.');
    if (parts.length !== 2 || !/^\d+$/.test(parts[1])) return -1;
    return Number(parts[1]);
  }

  invalidateUser(user: string): void {
    for (const [token, issued] of this.tokens) if (issued.user === user) this.tokens.delete(token);
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [token, issued] of this.tokens) if (issued.expiresAt <= now) this.tokens.delete(token);
  }
}
