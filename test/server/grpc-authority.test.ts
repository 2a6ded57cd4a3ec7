import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, test } from 'node:test';
import type { Duplex } from 'node:stream';
import { handOverRepairingAuthority, repairAuthority } from '../../src/server/grpc-authority';

// An HTTP/2 server fed through the shim, recording what each request's :authority looked like there and what kind of
// connection it was handed.
const seen: string[] = [];
const handed: Duplex[] = [];
const h2 = http2.createServer();
h2.on('stream', (stream, headers) => {
  seen.push(String(headers[':authority']));
  stream.respond({ ':status': 200 });
  stream.end('ok');
});
const front = net.createServer((socket) =>
  handOverRepairingAuthority(socket, (conn) => {
    handed.push(conn);
    h2.emit('connection', conn);
  }),
);
const port = new Promise<number>((resolve) => front.listen(0, '127.0.0.1', () => resolve((front.address() as net.AddressInfo).port)));
after(() => front.close());

function get(session: http2.ClientHttp2Session, authority?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': '/', ...(authority ? { ':authority': authority } : {}) });
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
    req.end();
  });
}

test('repairAuthority keeps host:port of a URL', () => {
  assert.equal(repairAuthority('http://127.0.0.1:2379'), '127.0.0.1:2379');
  assert.equal(repairAuthority('https://host:1/x/y'), 'host:1');
  assert.equal(repairAuthority('host:1'), 'host:1');
});

test('an ordinary client is handed over as its own socket, with several requests before and after', async () => {
  const p = await port;
  const session = http2.connect(`http://127.0.0.1:${p}`);
  try {
    const before = seen.length;
    assert.deepEqual(await Promise.all([get(session), get(session), get(session)]), ['ok', 'ok', 'ok']);
    assert.equal(await get(session), 'ok');
    assert.deepEqual(seen.slice(before), Array(4).fill(`127.0.0.1:${p}`));
    assert.ok(handed.at(-1) instanceof net.Socket, 'no JS stream stays between the client and the server');
  } finally {
    session.close();
  }
});

test("a client sending a URL as :authority (etcd's Go clients) gets every request through, repaired", async () => {
  const p = await port;
  const session = http2.connect(`http://127.0.0.1:${p}`);
  try {
    const before = seen.length;
    const url = `http://127.0.0.1:${p}`;
    assert.deepEqual(await Promise.all([get(session, url), get(session, url)]), ['ok', 'ok']);
    assert.equal(await get(session, url), 'ok');
    assert.deepEqual(seen.slice(before), Array(3).fill(`127.0.0.1:${p}`));
    assert.ok(!(handed.at(-1) instanceof net.Socket), 'the rewriting stream stays in the path');
  } finally {
    session.close();
  }
});
