import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { ClientListeners, listenClientUrls } from '../../src/server/client-listener';
import { buildHttpApp, HealthStatus } from '../../src/server/http-app';
import { MetricsRegistry } from '../../src/server/metrics';

interface EchoMessage {
  text: string;
}

const json = {
  serialize: (v: EchoMessage) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as EchoMessage,
};

const echoService: grpc.ServiceDefinition = {
  echo: {
    path: '/tetcd.test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

const EchoClient = grpc.makeGenericClientConstructor(echoService, 'Echo');

function callEcho(client: grpc.Client, text: string): Promise<EchoMessage> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, Function>).echo({ text }, (err: Error | null, res: EchoMessage) =>
      err ? reject(err) : resolve(res),
    );
  });
}

describe('one client port for gRPC and HTTP/1.1', () => {
  let grpcServer: grpc.Server;
  let app: FastifyInstance;
  let listeners: ClientListeners;
  let base: string;
  let health: HealthStatus = { ok: true };
  let excludeSeen: string[] = [];

  before(async () => {
    grpcServer = new grpc.Server();
    grpcServer.addService(echoService, {
      echo: (call: grpc.ServerUnaryCall<EchoMessage, EchoMessage>, cb: grpc.sendUnaryData<EchoMessage>) =>
        cb(null, { text: `echo:${call.request.text}` }),
    });
    app = buildHttpApp({
      health: async (exclude) => {
        excludeSeen = exclude;
        return health;
      },
      clusterVersion: () => '3.4.0',
      metrics: new MetricsRegistry(),
      bodyLimit: 8 * 1024 * 1024,
    });
    app.post('/test/length', async (request) => ({ length: (request.body as string).length }));
    app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    listeners = await listenClientUrls(['http://127.0.0.1:0'], grpcServer, app);
    base = `http://127.0.0.1:${listeners.addresses[0].port}`;
  });

  after(async () => {
    await listeners.close();
    grpcServer.forceShutdown();
    await app.close();
  });

  it('reports the real port for port 0', () => {
    assert.equal(listeners.addresses.length, 1);
    assert.equal(listeners.addresses[0].url, 'http://127.0.0.1:0');
    assert.ok(listeners.addresses[0].port > 0);
  });

  it('serves a gRPC call and GET /health on the same port', async () => {
    const client = new EchoClient(`127.0.0.1:${listeners.addresses[0].port}`, grpc.credentials.createInsecure());
    try {
      assert.deepEqual(await callEcho(client, 'hi'), { text: 'echo:hi' });
      // A large message spans many TCP reads after the routing decision.
      const big = 'x'.repeat(3 * 1024 * 1024);
      assert.equal((await callEcho(client, big)).text.length, big.length + 5);
    } finally {
      client.close();
    }
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"health":"true"}');
  });

  it('does not lose request bytes read while choosing the protocol', async () => {
    const body = 'y'.repeat(2 * 1024 * 1024 + 17);
    const res = await fetch(`${base}/test/length`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { length: body.length });
  });

  it('answers /health with 503 and a reason when unhealthy, passing ?exclude', async () => {
    health = { ok: false, reason: 'no leader' };
    try {
      const res = await fetch(`${base}/health?exclude=NOSPACE`);
      assert.equal(res.status, 503);
      assert.deepEqual(JSON.parse(await res.text()), { health: 'false', reason: 'no leader' });
      assert.deepEqual(excludeSeen, ['NOSPACE']);
    } finally {
      health = { ok: true };
    }
  });

  it('rejects other methods on /health like etcd', async () => {
    const res = await fetch(`${base}/health`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
  });

  it('serves /version exactly like etcd 3.4.23', async () => {
    const res = await fetch(`${base}/version`);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(await res.text(), '{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}');
  });

  it('counts health checks in /metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^# TYPE etcd_server_health_failures counter$/m);
    assert.match(text, /^etcd_server_health_failures 1$/m);
    assert.match(text, /^etcd_server_health_success [1-9]\d*$/m);
  });

  it('answers unknown paths with Go-style 404 text', async () => {
    const res = await fetch(`${base}/no/such/path`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '404 page not found\n');
  });
});

// The compiled test runs from dist/test/server; the fixtures stay in the source tree.
const fixtures = path.resolve(__dirname, __filename.endsWith('.ts') ? '.' : '../../../test/server', 'fixtures');

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const socket = res.socket as import('node:tls').TLSSocket;
        resolve({ status: res.statusCode ?? 0, body, alpn: socket.alpnProtocol ?? false });
      });
    });
    req.on('error', reject);
  });
}

describe('one https client port for gRPC and HTTP/1.1', () => {
  const cert = fs.readFileSync(path.join(fixtures, 'client-listener-cert.pem'));
  const key = fs.readFileSync(path.join(fixtures, 'client-listener-key.pem'));
  let grpcServer: grpc.Server;
  let app: FastifyInstance;
  let listeners: ClientListeners;

  before(async () => {
    grpcServer = new grpc.Server();
    grpcServer.addService(echoService, {
      echo: (call: grpc.ServerUnaryCall<EchoMessage, EchoMessage>, cb: grpc.sendUnaryData<EchoMessage>) =>
        cb(null, { text: `tls:${call.request.text}` }),
    });
    app = buildHttpApp({ health: async () => ({ ok: true }), clusterVersion: () => undefined, metrics: new MetricsRegistry() });
    listeners = await listenClientUrls(['https://127.0.0.1:0'], grpcServer, app, { cert, key });
  });

  after(async () => {
    await listeners.close();
    grpcServer.forceShutdown();
    await app.close();
  });

  it('routes by ALPN: h2 to gRPC, http/1.1 to Fastify', async () => {
    const port = listeners.addresses[0].port;
    const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createSsl(cert), {
      'grpc.ssl_target_name_override': 'localhost',
    });
    try {
      assert.deepEqual(await callEcho(client, 'x'), { text: 'tls:x' });
    } finally {
      client.close();
    }
    const res = await httpsGet(`https://127.0.0.1:${port}/version`, cert);
    assert.equal(res.status, 200);
    assert.equal(res.body, '{"etcdserver":"3.4.23","etcdcluster":"not_decided"}');
  });

  it('refuses https URLs without TLS settings', async () => {
    await assert.rejects(listenClientUrls(['https://127.0.0.1:0'], grpcServer, app), /needs TLS/);
  });
});
