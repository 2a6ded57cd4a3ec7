// Durable-log throughput: how many ~256-byte entries per second RaftLogStore can make durable
// when each save() (one Ready, one fsync) carries 1, 10, 100 or 1000 of them.

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RaftLogStore } from '../src/storage';
import { EntryType, NONE, type Entry } from '../src/raft/types';

export interface LogStoreResult {
  entriesPerSave: number;
  saves: number;
  entriesPerSecond: number;
  fsyncsPerSecond: number;
}

const ENTRY_BYTES = 256;

export async function benchLogStore(entriesPerSave: number, budgetMs: number): Promise<LogStoreResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tetcd-bench-log-'));
  const store = await RaftLogStore.open(dir);
  const payload = new Uint8Array(ENTRY_BYTES).fill(0x61);
  try {
    let next = 1;
    let saves = 0;
    const start = performance.now();
    while (performance.now() - start < budgetMs) {
      const batch: Entry[] = [];
      for (let i = 0; i < entriesPerSave; i++) batch.push({ index: next++, term: 1, type: EntryType.Normal, data: payload });
      await store.save({ term: 1, vote: NONE, commit: next - 1 }, batch);
      saves++;
    }
    const seconds = (performance.now() - start) / 1000;
    return {
      entriesPerSave,
      saves,
      entriesPerSecond: (next - 1) / seconds,
      fsyncsPerSecond: store.syncCount / seconds,
    };
  } finally {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
