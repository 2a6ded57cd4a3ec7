// /v2/members, /v2/machines and /v2/stats/*: the recorded etcd session replayed against a fake member
// (etcd's member identity swapped for the fake's), then the parts a single recording cannot cover.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registerV2 } from '../../gateway/v2';
import { goDuration } from '../../gateway/v2/cluster-routes';
import { startFakeApp, type FakeApp } from './fake-app';
import type { FakeService } from './fake-service';
import { ETCD_MEMBER, ETCD_V2_CLUSTER_SESSION } from './fixtures/etcd-3.4-v2-cluster';
import { request } from './http-client';

let api: FakeService;
let base: string;
let fake: FakeApp;

before(async () => {
  fake = await startFakeApp(registerV2);
  ({ api, base } = fake);
});

after(() => fake.close());

function asFake(text: string): string {
  const me = api.members[0];
  return text
    .replaceAll(ETCD_MEMBER.id, me.ID.toString(16))
    .replaceAll(`"${ETCD_MEMBER.name}"`, `"${me.name}"`)
    .replaceAll(ETCD_MEMBER.peerURL, me.peerURLs[0])
    .replaceAll(ETCD_MEMBER.clientURL, me.clientURLs[0])
    .replaceAll(ETCD_MEMBER.addedId, '50f8bfcded0a0953');
}

test('tetcd answers the recorded etcd v2 cluster session the same way', async () => {
  for (const rec of ETCD_V2_CLUSTER_SESSION) {
    const headers: Record<string, string> = rec.contentType === null ? {} : { 'content-type': rec.contentType };
    const res = await request(base, rec.method, rec.path, rec.body === null ? undefined : asFake(rec.body), headers);
    const what = `step ${rec.step}: ${rec.method} ${rec.path} ${rec.body ?? ''}`;
    assert.equal(res.status, rec.status, what);
    assert.equal(res.headers['content-type'], rec.responseType, what);
    assert.equal(res.headers.allow ?? null, rec.allow, what);
    assert.equal(res.headers['x-etcd-cluster-id'] !== undefined, rec.clusterIdHeader, what);
    if (rec.path === '/v2/stats/store' && rec.method === 'GET') {
      // etcd counts its own internal reads too: only the fields and their order can match.
      assert.deepEqual(Object.keys(JSON.parse(res.body)), Object.keys(JSON.parse(rec.response)), what);
    } else {
      assert.equal(res.body, asFake(rec.response), what);
    }
  }
});

test('members can be removed and updated; unknown ones are 404', async () => {
  assert.equal((await request(base, 'DELETE', '/v2/members/50f8bfcded0a0953')).status, 204);
  assert.equal((await request(base, 'DELETE', '/v2/members/50f8bfcded0a0953')).status, 404);
  const me = api.members[0].ID.toString(16);
  const update = await request(base, 'PUT', `/v2/members/${me}`, '{"peerURLs":["http://10.0.0.1:2380"]}', {
    'content-type': 'application/json',
  });
  assert.equal(update.status, 204);
  assert.deepEqual(api.members[0].peerURLs, ['http://10.0.0.1:2380']);
});

test('/v2/stats/self describes this member and its leader; /v2/stats/leader is for the leader only', async () => {
  const self = JSON.parse((await request(base, 'GET', '/v2/stats/self')).body);
  assert.deepEqual(Object.keys(self), ['name', 'id', 'state', 'startTime', 'leaderInfo', 'recvAppendRequestCnt', 'sendAppendRequestCnt']);
  assert.equal(self.state, 'StateLeader');
  assert.equal(self.leaderInfo.leader, api.memberId.toString(16));
  assert.match(self.leaderInfo.uptime, /^(\d+ms|[\d.]+s|\d+m[\d.]+s)$/);

  api.leaderId = 0x1234n;
  try {
    assert.equal(JSON.parse((await request(base, 'GET', '/v2/stats/self')).body).state, 'StateFollower');
    const leaderStats = await request(base, 'GET', '/v2/stats/leader');
    assert.equal(leaderStats.status, 403);
    assert.equal(leaderStats.body, '{"message":"not current leader"}');
    const noLeader = await request(base, 'GET', '/v2/members/leader');
    assert.equal(noLeader.status, 503);
    assert.equal(noLeader.body, '{"message":"During election"}');
  } finally {
    api.leaderId = api.memberId;
  }
});

test('/v2/stats/store counts v2 operations', async () => {
  await request(base, 'PUT', '/v2/keys/counted', 'value=1');
  await request(base, 'GET', '/v2/keys/counted');
  await request(base, 'GET', '/v2/keys/nothing');
  const stats = JSON.parse((await request(base, 'GET', '/v2/stats/store')).body);
  assert.equal(stats.setsSuccess, 1);
  assert.equal(stats.getsSuccess, 1);
  assert.equal(stats.getsFail, 1);
});

test('durations print like Go', () => {
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(250), '250ms');
  assert.equal(goDuration(4_475), '4.475s');
  assert.equal(goDuration(652_122), '10m52.122s');
  assert.equal(goDuration(3_600_000), '1h0m0s');
});
