import type { KeyValue } from '../gen/mvccpb/kv';
import { KeyRange, isSingleKey } from './key-range';
import { Revision } from './revision';

// One key's history. Each generation is the run of revisions from a creation
// to (and including) the tombstone that ended it; only the last generation
// may be open, and an empty last generation means the key is currently
// deleted. Revisions are kept so historical reads can find which record to
// load; values other than the latest live on disk.
export interface KeyEntry {
  key: Buffer;
  generations: StoredRevision[][];
  // Present exactly while the key is live: the value current reads return.
  latest: KeyValue | undefined;
  latestRev: StoredRevision | undefined;
}

// A revision plus the bytes its record occupies, for dbSizeInUse().
export interface StoredRevision extends Revision {
  size: number;
}

export interface RemovedRevision extends StoredRevision {
  tombstone: boolean;
}

// Sorted array of keys with binary search for ranges: range starts are
// O(log n); inserting a new key shifts pointers, which is cheap at the sizes
// an etcd-like store holds. Exact-key lookups, which most requests are (single
// key reads, compares, puts), go through a map instead: a string copy of the
// key and a hash lookup cost several times less than the ~log2(n)
// Buffer.compare calls of a search, for the memory of that copy.
export class KeyIndex {
  private entries: KeyEntry[] = [];
  // The same entries by mapKey(); must hold exactly the keys of `entries`.
  private readonly byKey = new Map<string, KeyEntry>();

  // Replaces the contents; entries must already be sorted by key.
  load(sorted: KeyEntry[]): void {
    this.entries = sorted;
    this.byKey.clear();
    for (const entry of sorted) this.byKey.set(mapKey(entry.key), entry);
  }

  find(key: Buffer): KeyEntry | undefined {
    return this.byKey.get(mapKey(key));
  }

  getOrCreate(key: Buffer): KeyEntry {
    const name = mapKey(key);
    const found = this.byKey.get(name);
    if (found !== undefined) return found;
    const entry: KeyEntry = { key: Buffer.from(key), generations: [[]], latest: undefined, latestRev: undefined };
    this.entries.splice(this.lowerBound(key), 0, entry);
    this.byKey.set(name, entry);
    return entry;
  }

  // Entries (live or not) whose key lies in the range, in key order. An
  // array rather than a generator: most ranges are a single key, where the
  // generator's objects cost more than the lookup.
  inRange(range: KeyRange): KeyEntry[] {
    if (isSingleKey(range)) {
      const e = this.find(range.key);
      return e !== undefined ? [e] : [];
    }
    // Searching for the end too costs log2(n) compares instead of one per key.
    const end = range.toEnd ? this.entries.length : this.lowerBound(range.end as Buffer);
    return this.entries.slice(this.lowerBound(range.key), end);
  }

  // Drops history that no read at or after `rev` can reach, keeping for each
  // key the newest revision <= rev unless the key was deleted by then.
  // Returns what was dropped so the caller can delete it from disk.
  compact(rev: number): RemovedRevision[] {
    const removed: RemovedRevision[] = [];
    let write = 0;
    for (const entry of this.entries) {
      compactEntry(entry, rev, removed);
      if (entry.generations.length === 1 && entry.generations[0].length === 0) this.byKey.delete(mapKey(entry.key));
      else this.entries[write++] = entry;
    }
    this.entries.length = write;
    return removed;
  }

  // The revisions a compaction at `rev` would keep (etcd's keep set), keyed
  // by revisionKey(); HashKV uses it to skip history older than compaction.
  keepSet(rev: number): Set<string> {
    const keep = new Set<string>();
    for (const entry of this.entries) {
      const gen = survivingGeneration(entry, rev);
      const g = entry.generations[gen];
      const i = lastAtOrBefore(g, rev);
      if (i === -1) continue;
      const isTombstone = i === g.length - 1 && gen !== entry.generations.length - 1;
      if (!isTombstone) keep.add(revisionKey(g[i]));
    }
    return keep;
  }

  private lowerBound(key: Buffer): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(this.entries[mid].key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// latin1 maps each byte to one char, so distinct keys get distinct strings.
function mapKey(key: Buffer): string {
  return key.toString('latin1');
}

export function revisionKey(rev: Revision): string {
  return `${rev.main}_${rev.sub}`;
}

export function isLive(entry: KeyEntry): boolean {
  return entry.latest !== undefined;
}

// The revision holding the key's value as of `rev`, or undefined if the key
// did not exist then.
export function revisionAt(entry: KeyEntry, rev: number): StoredRevision | undefined {
  const gens = entry.generations;
  for (let gi = gens.length - 1; gi >= 0; gi--) {
    const g = gens[gi];
    if (g.length === 0) continue;
    if (gi !== gens.length - 1 && g[g.length - 1].main <= rev) return undefined; // deleted by then
    if (g[0].main <= rev) {
      const i = lastAtOrBefore(g, rev);
      return i === -1 ? undefined : g[i];
    }
  }
  return undefined;
}

export function addRevision(entry: KeyEntry, rev: StoredRevision): void {
  entry.generations[entry.generations.length - 1].push(rev);
}

export function addTombstone(entry: KeyEntry, rev: StoredRevision): void {
  addRevision(entry, rev);
  entry.generations.push([]);
}

// First generation still reachable at `rev`: the first whose tombstone is
// newer than rev, or the open last one.
function survivingGeneration(entry: KeyEntry, rev: number): number {
  const gens = entry.generations;
  let gen = 0;
  while (gen < gens.length - 1) {
    const g = gens[gen];
    if (g.length > 0 && g[g.length - 1].main > rev) break;
    gen++;
  }
  return gen;
}

function compactEntry(entry: KeyEntry, rev: number, removed: RemovedRevision[]): void {
  const gens = entry.generations;
  const gen = survivingGeneration(entry, rev);
  for (let gi = 0; gi < gen; gi++) {
    const g = gens[gi];
    g.forEach((r, i) => removed.push({ ...r, tombstone: i === g.length - 1 }));
  }
  const g = gens[gen];
  const keepFrom = lastAtOrBefore(g, rev);
  for (let i = 0; i < keepFrom; i++) removed.push({ ...g[i], tombstone: false });
  entry.generations = [keepFrom > 0 ? g.slice(keepFrom) : g, ...gens.slice(gen + 1)];
}

// Index of the last revision in g with main <= rev, or -1.
function lastAtOrBefore(g: readonly Revision[], rev: number): number {
  let lo = 0;
  let hi = g.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (g[mid].main <= rev) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
