import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { JwtTokens } from '../../src/auth/jwt-token';
import { SimpleTokens } from '../../src/auth/simple-token';
import { createTokenProvider, parseTokenOptions } from '../../src/auth/token-options';

describe('simple tokens', () => {
  it('expire after the TTL unless used, each use extending it', () => {
    let now = 0;
    const tokens = new SimpleTokens(1000, () => now);
    tokens.enable();
    const t = tokens.assign('u', 5n, tokens.genPrefix(), 9);
    assert.match(t, /^[a-zA-Z]{16}\.9$/);
    now = 900;
    assert.deepEqual(tokens.info(t, 7n), { user: 'u', revision: 7n });
    now = 1800;
    assert.ok(tokens.info(t, 7n));
    now = 2801;
    assert.equal(tokens.info(t, 7n), undefined);
  });

  it('only knows tokens while enabled, and tells which index a token needs', () => {
    const tokens = new SimpleTokens(1000);
    const t = tokens.assign('u', 1n, 'p', 3);
    assert.equal(tokens.info(t, 1n), undefined);
    assert.equal(tokens.appliedIndexNeeded('abc.12'), 12);
    assert.equal(tokens.appliedIndexNeeded('garbage'), -1);
  });

  it('forgets the tokens of an invalidated user only', () => {
    const tokens = new SimpleTokens(1000);
    tokens.enable();
    const a = tokens.assign('a', 1n, 'p', 1);
    const b = tokens.assign('b', 1n, 'p', 2);
    tokens.invalidateUser('a');
    assert.equal(tokens.info(a, 1n), undefined);
    assert.ok(tokens.info(b, 1n));
  });
});

describe('JWT tokens', () => {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = (k: crypto.KeyObject, type: 'pkcs8' | 'spki'): Buffer =>
    Buffer.from(k.export({ format: 'pem', type }) as string);

  for (const [method, keys] of [
    ['RS256', rsa],
    ['PS384', rsa],
    ['ES256', ec],
  ] as const) {
    it(`${method}: carries user and revision, and rejects tampering`, () => {
      const jwt = new JwtTokens({
        signMethod: method,
        privateKey: pem(keys.privateKey, 'pkcs8'),
        publicKey: pem(keys.publicKey, 'spki'),
        ttlMs: 60_000,
      });
      const token = jwt.assign('alice', 12n);
      assert.deepEqual(jwt.info(token), { user: 'alice', revision: 12n });
      const [h, , s] = token.split('.');
      const forged = Buffer.from('{"exp":9999999999,"revision":12,"username":"root"}').toString('base64url');
      assert.equal(jwt.info(`${h}.${forged}.${s}`), undefined);
    });
  }

  it('verifies with the public key alone but cannot sign with it', () => {
    const full = new JwtTokens({ signMethod: 'RS256', privateKey: pem(rsa.privateKey, 'pkcs8'), ttlMs: 60_000 });
    const verifyOnly = new JwtTokens({ signMethod: 'RS256', publicKey: pem(rsa.publicKey, 'spki'), ttlMs: 60_000 });
    assert.deepEqual(verifyOnly.info(full.assign('u', 3n)), { user: 'u', revision: 3n });
    assert.throws(() => verifyOnly.assign('u', 3n), /verify-only/);
  });

  it('rejects expired tokens and tokens of another method', () => {
    const expired = new JwtTokens({ signMethod: 'HS256', privateKey: Buffer.from('secret'), ttlMs: -1000 });
    assert.equal(expired.info(expired.assign('u', 1n)), undefined);
    const hs = new JwtTokens({ signMethod: 'HS256', privateKey: Buffer.from('secret'), ttlMs: 60_000 });
    const other = new JwtTokens({ signMethod: 'HS512', privateKey: Buffer.from('secret'), ttlMs: 60_000 });
    assert.equal(other.info(hs.assign('u', 1n)), undefined);
  });

  it('refuses unknown methods and missing or mismatched keys', () => {
    assert.throws(() => new JwtTokens({ signMethod: 'XX256', ttlMs: 1 }), /invalid auth signature method/);
    assert.throws(() => new JwtTokens({ signMethod: 'RS256', ttlMs: 1 }), /missing key data/);
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.throws(
      () =>
        new JwtTokens({
          signMethod: 'RS256',
          privateKey: pem(rsa.privateKey, 'pkcs8'),
          publicKey: pem(other.publicKey, 'spki'),
          ttlMs: 1,
        }),
      /don't match/,
    );
  });
});

describe('--auth-token', () => {
  it('parses the type and its options, refusing malformed or repeated ones', () => {
    const { kind, options } = parseTokenOptions('jwt,sign-method=RS256,ttl=10m');
    assert.equal(kind, 'jwt');
    assert.deepEqual([...options], [['sign-method', 'RS256'], ['ttl', '10m']]);
    assert.throws(() => parseTokenOptions('jwt,ttl'), /invalid auth options/);
    assert.throws(() => parseTokenOptions('jwt,ttl=1s,ttl=2s'), /invalid auth options/);
    assert.throws(() => createTokenProvider('magic', 300), /invalid auth options/);
  });

  it('builds simple and jwt providers', () => {
    assert.ok(createTokenProvider('simple', 300) instanceof SimpleTokens);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-jwt-'));
    try {
      const key = path.join(dir, 'key');
      fs.writeFileSync(key, 'shared-secret');
      const jwt = createTokenProvider(`jwt,sign-method=HS256,priv-key=${key},ttl=1h`, 300);
      assert.deepEqual(jwt.info(jwt.assign('u', 4n, '', 0), 9n), { user: 'u', revision: 4n });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
