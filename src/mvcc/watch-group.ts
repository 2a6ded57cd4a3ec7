// A set of watchers indexed for "who watches this key?": single-key watchers by key, range watchers in a list
// that is scanned (fine for the hundreds of range watchers a member typically serves).
import { isSingleKey, rangeContains, type KeyRange } from './key-range';

export interface Watching {
  readonly range: KeyRange;
}

export class WatcherGroup<W extends Watching> {
  private readonly singleKey = new Map<string, Set<W>>();
  private readonly ranged = new Set<W>();
  private readonly all = new Set<W>();

  get size(): number {
    return this.all.size;
  }

  has(w: W): boolean {
    return this.all.has(w);
  }

  add(w: W): void {
    if (this.all.has(w)) return;
    this.all.add(w);
    if (!isSingleKey(w.range)) {
      this.ranged.add(w);
      return;
    }
    const name = w.range.key.toString('latin1');
    let set = this.singleKey.get(name);
    if (set === undefined) this.singleKey.set(name, (set = new Set()));
    set.add(w);
  }

  delete(w: W): boolean {
    if (!this.all.delete(w)) return false;
    if (!isSingleKey(w.range)) {
      this.ranged.delete(w);
      return true;
    }
    const name = w.range.key.toString('latin1');
    const set = this.singleKey.get(name);
    set?.delete(w);
    if (set?.size === 0) this.singleKey.delete(name);
    return true;
  }

  /** Every watcher whose key or range includes `key`. */
  matching(key: Buffer): W[] {
    const out = [...(this.singleKey.get(key.toString('latin1')) ?? [])];
    for (const w of this.ranged) if (rangeContains(w.range, key)) out.push(w);
    return out;
  }

  members(): W[] {
    return [...this.all];
  }
}
