import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildHttpApp, HttpAppDeps } from '../../src/server/http-app';
import { MetricsRegistry } from '../../src/server/metrics';

function app(extra: Partial<HttpAppDeps> = {}) {
  return buildHttpApp({
    health: async () => ({ ok: true }),
    clusterVersion: () => undefined,
    metrics: new MetricsRegistry(),
    ...extra,
  });
}

describe('etcd HTTP endpoints', () => {
  it('reports an undecided cluster version as not_decided', async () => {
    const res = await app().inject({ method: 'GET', url: '/version' });
    assert.equal(res.body, '{"etcdserver":"3.4.23","etcdcluster":"not_decided"}');
  });

  it('rejects non-GET /version with 405 and Allow: GET', async () => {
    const res = await app().inject({ method: 'PUT', url: '/version' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'GET');
    assert.equal(res.body, 'Method Not Allowed\n');
  });

  it('returns the exact success body for /health', async () => {
    const res = await app().inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{"health":"true"}');
  });

  it('rewrites /v3beta/ paths to /v3/', async () => {
    const a = app();
    a.get('/v3/probe', async () => 'v3');
    const res = await a.inject({ method: 'GET', url: '/v3beta/probe' });
    assert.equal(res.body, 'v3');
  });
});

describe('CORS and host whitelist', () => {
  it('allows every origin by default and answers OPTIONS with 200', async () => {
    const res = await app().inject({ method: 'OPTIONS', url: '/v2/keys/foo' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-methods'], 'POST, GET, OPTIONS, PUT, DELETE');
  });

  it('echoes only listed origins', async () => {
    const a = app({ cors: ['http://ok.example:80'] });
    const ok = await a.inject({ method: 'GET', url: '/health', headers: { origin: 'http://ok.example:80' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'http://ok.example:80');
    const other = await a.inject({ method: 'GET', url: '/health', headers: { origin: 'http://evil.example:80' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('rejects plaintext requests for hosts outside --host-whitelist with 421', async () => {
    const a = app({ hostWhitelist: ['good.example'] });
    const bad = await a.inject({ method: 'GET', url: '/health', headers: { host: 'evil.example:2379' } });
    assert.equal(bad.statusCode, 421);
    assert.match(bad.body, /host-whitelist "evil.example"/);
    const good = await a.inject({ method: 'GET', url: '/health', headers: { host: 'good.example:2379' } });
    assert.equal(good.statusCode, 200);
  });
});
