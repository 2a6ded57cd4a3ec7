// Replays a request sequence recorded against real etcd 3.4.23 (--enable-v2; see fixtures/) and expects
// the same statuses, content types, headers and bodies, indexes and expiration times normalised.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registerV2 } from '../../gateway/v2';
import { startFakeApp, type FakeApp } from './fake-app';
import type { FakeService } from './fake-service';
import { ETCD_V2_KEYS_SESSION } from './fixtures/etcd-3.4-v2-keys';
import { request } from './http-client';
import { IndexNormaliser } from './normalise';

const fixture = ETCD_V2_KEYS_SESSION;

let api: FakeService;
let base: string;
let fake: FakeApp;

before(async () => {
  fake = await startFakeApp(registerV2);
  ({ api, base } = fake);
});

after(() => fake.close());

test('tetcd answers the recorded etcd v2 session the same way', async () => {
  const theirs = new IndexNormaliser();
  const ours = new IndexNormaliser();
  const ourIndexOfStep = new Map<number, string>();
  for (const rec of fixture) {
    // "@N" stands for the X-Etcd-Index step N answered with.
    const path = rec.path.replace(/@(\d+)/, (_m, n: string) => ourIndexOfStep.get(Number(n)) ?? '');
    const res = await request(base, rec.method, path, rec.body ?? undefined);
    const etcdIndex = res.headers['x-etcd-index'] as string | undefined;
    ourIndexOfStep.set(rec.step, etcdIndex ?? '');
    const what = `step ${rec.step}: ${rec.method} ${rec.path} ${rec.body ?? ''}`;
    assert.equal(res.status, rec.status, what);
    assert.equal(res.headers['content-type'], rec.contentType, what);
    assert.equal(res.headers['x-raft-index'] !== undefined && res.headers['x-raft-term'] !== undefined, rec.raftHeaders, what);
    assert.equal(
      etcdIndex === undefined ? null : ours.token(etcdIndex),
      rec.etcdIndex === null ? null : theirs.token(rec.etcdIndex),
      what,
    );
    assert.equal(ours.body(res.body), theirs.body(rec.response), what);
    if (rec.status !== 405) assert.equal(res.headers['x-etcd-cluster-id'], api.clusterId.toString(16), what);
  }
});
