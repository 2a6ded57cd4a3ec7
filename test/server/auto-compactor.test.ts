import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { AutoCompactor, planAutoCompaction } from '../../src/server/auto-compactor';

const logger = pino({ level: 'silent' });

function host(leader = true) {
  const h = {
    rev: 1,
    leader,
    compacted: [] as number[],
    isLeader: () => h.leader,
    currentRevision: () => h.rev,
    compact: async (r: number) => {
      h.compacted.push(r);
    },
  };
  return h;
}

describe('auto compaction (--auto-compaction-mode/--auto-compaction-retention)', () => {
  test('reads the retention as etcd does', () => {
    assert.deepEqual(planAutoCompaction('periodic', '1'), { mode: 'periodic', retentionMs: 3_600_000 });
    assert.deepEqual(planAutoCompaction('periodic', '30m'), { mode: 'periodic', retentionMs: 1_800_000 });
    assert.deepEqual(planAutoCompaction('revision', '1000'), { mode: 'revision', retainRevisions: 1000 });
    assert.equal(planAutoCompaction('periodic', '0'), undefined);
    assert.throws(() => planAutoCompaction('revision', '5m'));
  });

  test('revision mode compacts to current - retention every 5 minutes, only on the leader', async () => {
    let now = 0;
    const h = host();
    const c = new AutoCompactor({ mode: 'revision', retainRevisions: 100 }, h, logger, () => now);
    h.rev = 350;
    now = 4 * 60_000;
    c.tick();
    assert.deepEqual(h.compacted, [], 'not before the interval');
    now = 5 * 60_000;
    c.tick();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(h.compacted, [250]);
    h.leader = false;
    h.rev = 900;
    now = 11 * 60_000;
    c.tick();
    assert.deepEqual(h.compacted, [250], 'followers do not compact');
  });

  test('periodic mode compacts to the revision seen one retention ago', async () => {
    let now = 0;
    const h = host();
    const c = new AutoCompactor({ mode: 'periodic', retentionMs: 10_000 }, h, logger, () => now);
    // Ticks every 1 s; revisions grow by 10 per second.
    for (let s = 1; s <= 12; s++) {
      now = s * 1000;
      h.rev = s * 10;
      c.tick();
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(h.compacted.length, 1);
    assert.equal(h.compacted[0], 10, 'the sample taken ten seconds before the compaction');
  });
});
