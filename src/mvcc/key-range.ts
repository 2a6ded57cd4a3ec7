// The three forms of etcd's [key, range_end) selector, resolved once so the
// index and the request logic agree on them.

export interface KeyRange {
  key: Buffer;
  // Exclusive upper bound; undefined means "only `key`" unless toEnd is set.
  end: Buffer | undefined;
  // range_end "\0": every key >= key.
  toEnd: boolean;
}

// Accepts the wire encoding: an absent or empty range_end selects one key,
// "\0" selects everything from key on, anything else is an exclusive bound.
export function toKeyRange(key: Buffer, rangeEnd: Buffer | undefined): KeyRange {
  if (rangeEnd === undefined || rangeEnd.length === 0) return { key, end: undefined, toEnd: false };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { key, end: undefined, toEnd: true };
  return { key, end: rangeEnd, toEnd: false };
}

export function isSingleKey(range: KeyRange): boolean {
  return range.end === undefined && !range.toEnd;
}

export function rangeContains(range: KeyRange, k: Buffer): boolean {
  const c = Buffer.compare(k, range.key);
  if (isSingleKey(range)) return c === 0;
  if (c < 0) return false;
  return range.toEnd || Buffer.compare(k, range.end as Buffer) < 0;
}

/** etcd's range end for "every key starting with `prefix`": the prefix's successor, or "\0" (all keys) if none. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
