// v2's store statistics (/v2/stats/store): success and failure counts per operation since this member
// started, kept by the gateway because the v3 core has no notion of v2 operations.

export type StatName = 'gets' | 'sets' | 'deletes' | 'updates' | 'creates' | 'compareAndSwaps' | 'compareAndDeletes';

// etcd's JSON field names, in its order.
const FIELDS: Record<StatName, [success: string, fail: string]> = {
  gets: ['getsSuccess', 'getsFail'],
  sets: ['setsSuccess', 'setsFail'],
  deletes: ['deleteSuccess', 'deleteFail'],
  updates: ['updateSuccess', 'updateFail'],
  creates: ['createSuccess', 'createFail'],
  compareAndSwaps: ['compareAndSwapSuccess', 'compareAndSwapFail'],
  compareAndDeletes: ['compareAndDeleteSuccess', 'compareAndDeleteFail'],
};

export class StoreStats {
  private readonly counts = new Map<string, number>();
  /** v2 watchers currently waiting. */
  watchers = 0;
  expireCount = 0;

  success(name: StatName): void {
    this.bump(FIELDS[name][0]);
  }

  fail(name: StatName): void {
    this.bump(FIELDS[name][1]);
  }

  private bump(field: string): void {
    this.counts.set(field, (this.counts.get(field) ?? 0) + 1);
  }

  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [success, fail] of Object.values(FIELDS)) {
      out[success] = this.counts.get(success) ?? 0;
      out[fail] = this.counts.get(fail) ?? 0;
    }
    out.expireCount = this.expireCount;
    out.watchers = this.watchers;
    return out;
  }
}
