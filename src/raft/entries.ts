import { Entry } from './types';

/** Fixed per-entry overhead counted against byte limits, so that empty entries still cost something. */
const ENTRY_OVERHEAD = 16;

export function entrySize(e: Entry): number {
  return e.data.length + ENTRY_OVERHEAD;
}

/**
 * The longest prefix of `ents` whose total size stays within maxBytes, but never less than one
 * entry: a single oversized entry must still be able to move, or replication would stall on it.
 */
export function limitSize(ents: Entry[], maxBytes: number): Entry[] {
  if (ents.length <= 1 || maxBytes === Infinity) return ents;
  let size = entrySize(ents[0]);
  let n = 1;
  while (n < ents.length) {
    size += entrySize(ents[n]);
    if (size > maxBytes) break;
    n++;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}
