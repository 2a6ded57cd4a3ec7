// --auth-token jwt,...: signed tokens any member can verify on its own. The token carries the auth revision it was
// issued at, so any later change to users, roles or permissions makes it stale and the client must log in again.
import crypto from 'node:crypto';
import type { AuthInfo, TokenProvider } from './types';

type Family = 'RS' | 'PS' | 'ES' | 'HS';

export interface JwtOptions {
  signMethod: string;
  /** PEM text (RSA/ECDSA) or the shared secret (HMAC). */
  privateKey?: Buffer;
  publicKey?: Buffer;
  ttlMs: number;
}

const HASH_BITS = new Set(['256', '384', '512']);
/** ES signatures are r||s of this many bytes each, per curve size (JWS, not DER). */
const EC_COORD_BYTES: Record<string, number> = { '256': 32, '384': 48, '512': 66 };

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export class JwtTokens implements TokenProvider {
  private readonly family: Family;
  private readonly bits: string;
  private readonly signKey: crypto.KeyObject | undefined;
  private readonly verifyKey: crypto.KeyObject;

  constructor(private readonly opts: JwtOptions) {
    const family = opts.signMethod.slice(0, 2) as Family;
    const bits = opts.signMethod.slice(2);
    if (!['RS', 'PS', 'ES', 'HS'].includes(family) || !HASH_BITS.has(bits)) {
      throw new Error('auth: invalid auth signature method');
    }
    this.family = family;
    this.bits = bits;
    if (family === 'HS') {
      if (!opts.privateKey || opts.privateKey.length === 0) throw new Error('auth: missing key data');
      this.signKey = crypto.createSecretKey(opts.privateKey);
      this.verifyKey = this.signKey;
      return;
    }
    this.signKey = opts.privateKey ? crypto.createPrivateKey(opts.privateKey) : undefined;
    const pub = opts.publicKey ? crypto.createPublicKey(opts.publicKey) : undefined;
    if (!this.signKey && !pub) throw new Error('auth: missing key data');
    const derived = this.signKey ? crypto.createPublicKey(this.signKey) : undefined;
    if (pub && derived && !pub.equals(derived)) throw new Error("auth: public and private keys don't match");
    this.verifyKey = pub ?? derived!;
  }

  // Validity is in the signature, so there is nothing to switch on or off or forget.
  enable(): void {}
  disable(): void {}
  invalidateUser(): void {}

  genPrefix(): string {
    return '';
  }

  appliedIndexNeeded(): number {
    return 0;
  }

  assign(user: string, revision: bigint): string {
    if (!this.signKey) throw new Error('auth: token signing attempted with verify-only key');
    const header = base64url(JSON.stringify({ alg: this.opts.signMethod, typ: 'JWT' }));
    const exp = Math.floor((Date.now() + this.opts.ttlMs) / 1000);
    // revision is written as a bare JSON number, as etcd's tokens have it.
    const claims = base64url(`{"exp":${exp},"revision":${revision},"username":${JSON.stringify(user)}}`);
    const signingInput = `${header}.${claims}`;
    return `${signingInput}.${base64url(this.sign(Buffer.from(signingInput)))}`;
  }

  info(token: string): AuthInfo | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as { alg?: unknown };
      if (header.alg !== this.opts.signMethod) return undefined;
      if (!this.verify(Buffer.from(`${parts[0]}.${parts[1]}`), Buffer.from(parts[2], 'base64url'))) return undefined;
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as Record<string, unknown>;
      const { username, revision, exp } = claims;
      if (typeof username !== 'string' || typeof revision !== 'number') return undefined;
      if (typeof exp === 'number' && exp * 1000 <= Date.now()) return undefined;
      return { user: username, revision: BigInt(revision) };
    } catch {
      return undefined;
    }
  }

  private digest(): string {
    return `sha${this.bits}`;
  }

  private sign(data: Buffer): Buffer {
    const key = this.signKey!;
    switch (this.family) {
      case 'HS':
        return crypto.createHmac(this.digest(), key).update(data).digest();
      case 'RS':
        return crypto.sign(this.digest(), data, key);
      case 'PS':
        return crypto.sign(this.digest(), data, {
          key,
          padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
        });
      case 'ES':
        return crypto.sign(this.digest(), data, { key, dsaEncoding: 'ieee-p1363' });
    }
  }

  private verify(data: Buffer, signature: Buffer): boolean {
    const key = this.verifyKey;
    switch (this.family) {
      case 'HS': {
        const expected = crypto.createHmac(this.digest(), key).update(data).digest();
        return expected.length === signature.length && crypto.timingSafeEqual(expected, signature);
      }
      case 'RS':
        return crypto.verify(this.digest(), data, key, signature);
      case 'PS':
        return crypto.verify(
          this.digest(),
          data,
          { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO },
          signature,
        );
      case 'ES':
        if (signature.length !== 2 * EC_COORD_BYTES[this.bits]) return false;
        return crypto.verify(this.digest(), data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
  }
}
