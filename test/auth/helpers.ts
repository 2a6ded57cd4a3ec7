// An in-memory stand-in for the MVCC store's metadata buckets, and an auth store on it ready for tests.
import { AuthStore, type MetaBackend } from '../../src/auth/auth-store';
import { SimpleTokens } from '../../src/auth/simple-token';

export class MemoryMeta implements MetaBackend {
  readonly buckets = new Map<string, Map<string, Buffer>>();

  putMeta(bucket: string, key: Buffer, value: Buffer): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
    this.buckets.get(bucket)!.set(key.toString('latin1'), Buffer.from(value));
  }

  deleteMeta(bucket: string, key: Buffer): void {
    this.buckets.get(bucket)?.delete(key.toString('latin1'));
  }

  getMeta(bucket: string, key: Buffer): Buffer | undefined {
    return this.buckets.get(bucket)?.get(key.toString('latin1'));
  }

  iterateMeta(bucket: string): Array<[Buffer, Buffer]> {
    return [...(this.buckets.get(bucket) ?? new Map<string, Buffer>()).entries()]
      .map(([k, v]): [Buffer, Buffer] => [Buffer.from(k, 'latin1'), v])
      .sort((a, b) => Buffer.compare(a[0], b[0]));
  }
}

/** A bcrypt hash of "pw" at the lowest cost, made once (hashing is slow on purpose). */
export const PW_HASH = '$2b$04$BrxFJQKuwMirF7gnMlqF5OH/iOJVNBmAeLcZRaKD3aY/bi647JT9K';

export function newStore(now: () => number = Date.now): { store: AuthStore; meta: MemoryMeta; tokens: SimpleTokens } {
  const meta = new MemoryMeta();
  const tokens = new SimpleTokens(300_000, now);
  return { store: new AuthStore(meta, tokens), meta, tokens };
}
