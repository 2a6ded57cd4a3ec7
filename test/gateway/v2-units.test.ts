// The v2 gateway's pure pieces: key layout, JSON rendering, error bodies, parameter parsing, and the
// translation of v3 watch events into v2 events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Event_EventType, type Event, type KeyValue } from '../../src/gen/mvccpb/kv';
import { V2Error, asV2Error } from '../../gateway/v2/errors';
import { prefixEnd } from '../../src/mvcc/key-range';
import { Keyspace, ancestorsOf, cleanPath, decodeAction, depthOf, encodeAction } from '../../gateway/v2/keyspace';
import { expiryAt, goJson, renderEvent, rfc3339 } from '../../gateway/v2/node-json';
import { parseKeyRequest } from '../../gateway/v2/params';
import { matches, toV2Events } from '../../gateway/v2/watch';
import { checkPeerUrls } from '../../gateway/v2/cluster-routes';

const ks = new Keyspace('/p/');

test('paths are cleaned like Go path.Clean(path.Join("/", p))', () => {
  assert.equal(cleanPath(''), '/');
  assert.equal(cleanPath('/'), '/');
  assert.equal(cleanPath('//a//b/'), '/a/b');
  assert.equal(cleanPath('/a/./b/../c'), '/a/c');
  assert.equal(cleanPath('/../..'), '/');
  assert.deepEqual(ancestorsOf('/a/b/c'), ['/a', '/a/b']);
  assert.deepEqual(ancestorsOf('/a'), []);
  assert.equal(depthOf('/'), 0);
  assert.equal(depthOf('/a/b'), 2);
});

test('nodes map to depth-prefixed keys; a directory is its path with a trailing slash', () => {
  assert.equal(ks.fileKey('/a/b').toString(), '/p/n/002/a/b');
  assert.equal(ks.dirKey('/a').toString(), '/p/n/001/a/');
  assert.deepEqual(ks.nodeOf(ks.dirKey('/a/b')), { path: '/a/b', dir: true });
  assert.deepEqual(ks.nodeOf(ks.fileKey('/x')), { path: '/x', dir: false });
  assert.equal(ks.nodeOf(ks.actionKey), undefined);
  const children = ks.levelRange('/a', 1);
  assert.equal(children.key.toString(), '/p/n/002/a/');
  assert.equal(children.rangeEnd.toString(), '/p/n/002/a0');
  assert.equal(ks.levelRange('/', 2).key.toString(), '/p/n/002/');
  // A sibling whose name merely starts with the directory's name is outside the range.
  const sibling = ks.fileKey('/ab/c');
  assert.ok(Buffer.compare(sibling, children.key) < 0 || Buffer.compare(sibling, children.rangeEnd) >= 0);
  assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(decodeAction(encodeAction('compareAndSwap', '/a b/c')), { action: 'compareAndSwap', path: '/a b/c' });
});

test('times print like Go RFC3339Nano and TTLs round up', () => {
  assert.equal(rfc3339(Date.UTC(2026, 0, 2, 3, 4, 5, 120)), '2026-01-02T03:04:05.12Z');
  assert.equal(rfc3339(Date.UTC(2026, 0, 2, 3, 4, 5, 0)), '2026-01-02T03:04:05Z');
  assert.equal(expiryAt(10_500, 1_000).ttl, 10);
  assert.equal(expiryAt(10_000, 1_000).ttl, 9);
});

test('events render with etcd field order, omitting empty fields but not empty values', () => {
  const text = renderEvent({
    action: 'get',
    node: {
      key: '/',
      dir: true,
      modifiedIndex: 0n,
      createdIndex: 0n,
      nodes: [
        { key: '/e', value: '', dir: false, modifiedIndex: 3n, createdIndex: 2n, expiry: { expiration: 'T', ttl: 5 } },
        { key: '/d', dir: true, nodes: [], modifiedIndex: 4n, createdIndex: 4n },
      ],
    },
  });
  assert.equal(
    text,
    '{"action":"get","node":{"dir":true,"nodes":[{"key":"/e","value":"","expiration":"T","ttl":5,"modifiedIndex":3,"createdIndex":2},' +
      '{"key":"/d","dir":true,"modifiedIndex":4,"createdIndex":4}]}}\n',
  );
  assert.equal(goJson({ v: '<a&b>\u2028' }), '{"v":"\\u003ca\\u0026b\\u003e\\u2028"}');
});

test('errors carry etcd codes, messages and HTTP statuses', () => {
  const notFound = new V2Error(100, '/foo', 7n);
  assert.equal(notFound.status, 404);
  assert.equal(notFound.toBody(), '{"errorCode":100,"message":"Key not found","cause":"/foo","index":7}\n');
  assert.deepEqual(
    [101, 102, 104, 105, 107, 108, 209, 300, 401].map((c) => new V2Error(c, 'x', 0n).status),
    [412, 403, 400, 412, 400, 403, 400, 500, 400],
  );
  assert.equal(asV2Error(new Error('boom')).toBody(), '{"errorCode":300,"message":"Raft Internal Error","cause":"boom","index":0}\n');
});

test('parameters: body before query for PUT/POST forms, query only otherwise', () => {
  const form = 'application/x-www-form-urlencoded';
  const put = parseKeyRequest('PUT', '/v2/keys/a?value=q&ttl=5&prevExist=false', form, 'value=b');
  assert.equal(put.value, 'b');
  assert.equal(put.ttl, 5n);
  assert.equal(put.prevExist, false);
  assert.equal(put.path, '/a');
  const del = parseKeyRequest('DELETE', '/v2/keys/a?recursive=true', form, 'prevValue=x');
  assert.equal(del.prevValue, '');
  assert.equal(del.recursive, true);
  assert.equal(parseKeyRequest('PUT', '/v2/keys/a', 'text/plain', 'value=b').value, '');
  assert.equal(parseKeyRequest('PUT', '/v2/keys/a?ttl=', undefined, '').ttl, undefined);
  assert.equal(parseKeyRequest('GET', '/v2/keys/a?wait=T&waitIndex=18446744073709551615', undefined, '').waitIndex, 2n ** 64n - 1n);
  assert.throws(() => parseKeyRequest('GET', '/v2/keys/a?waitIndex=18446744073709551616', undefined, ''), { errorCode: 203 });
  assert.throws(() => parseKeyRequest('PUT', '/v2/keys/a?refresh=true&ttl=1&value=v', undefined, ''), { errorCode: 211 });
  assert.equal(parseKeyRequest('PUT', '/v2/keys/a?refresh=true&ttl=1&value=', undefined, '').refresh, true);
});

test('watchers hear their key, their subtree when recursive (hidden parts excepted) and removed ancestors', () => {
  const set = (key: string) => ({ action: 'set', node: { key, dir: false, modifiedIndex: 1n, createdIndex: 1n } });
  const removed = (action: string, key: string) => ({ action, node: { key, dir: true, modifiedIndex: 1n, createdIndex: 1n } });
  assert.equal(matches({ path: '/a', recursive: false }, set('/a')), true);
  assert.equal(matches({ path: '/a', recursive: false }, set('/a/b')), false);
  assert.equal(matches({ path: '/a', recursive: true }, set('/a/b')), true);
  assert.equal(matches({ path: '/a', recursive: true }, set('/ab')), false);
  assert.equal(matches({ path: '/a', recursive: true }, set('/a/_h/x')), false);
  assert.equal(matches({ path: '/_h', recursive: true }, set('/_h/x')), true);
  assert.equal(matches({ path: '/', recursive: true }, set('/_h')), false);
  assert.equal(matches({ path: '/a/b/c', recursive: false }, removed('expire', '/a')), true);
  assert.equal(matches({ path: '/a/b/c', recursive: false }, removed('set', '/a')), false);
});

function kv(key: Buffer, value: string, create: bigint, mod: bigint, lease = 0n): KeyValue {
  return { key, value: Buffer.from(value), createRevision: create, modRevision: mod, version: 1n, lease };
}

function putEv(k: KeyValue, prevKv?: KeyValue): Event {
  return { type: Event_EventType.PUT, kv: k, prevKv };
}

function delEv(key: Buffer, rev: bigint, prevKv: KeyValue): Event {
  return { type: Event_EventType.DELETE, kv: kv(key, '', 0n, rev), prevKv };
}

test('v3 revisions become v2 events: the action key names the action and node', () => {
  const oldFile = kv(ks.fileKey('/f'), 'old', 2n, 3n);
  const events: Event[] = [
    // rev 5: "set" turning file /f into a directory
    putEv(kv(ks.dirKey('/f'), '', 5n, 5n)),
    delEv(ks.fileKey('/f'), 5n, oldFile),
    putEv(kv(ks.actionKey, 'set /f', 4n, 5n)),
    // rev 6: a refresh, invisible to watchers
    putEv(kv(ks.fileKey('/g'), 'v', 6n, 6n)),
    putEv(kv(ks.actionKey, 'refresh /g', 4n, 6n)),
    // rev 7: a lease expiring took /t and its child /t/c
    delEv(ks.dirKey('/t'), 7n, kv(ks.dirKey('/t'), '', 4n, 4n, 9n)),
    delEv(ks.fileKey('/t/c'), 7n, kv(ks.fileKey('/t/c'), 'c', 4n, 4n, 9n)),
  ];
  const v2 = toV2Events(ks, events).map((ev) => renderEvent(ev));
  assert.deepEqual(v2, [
    '{"action":"set","node":{"key":"/f","dir":true,"modifiedIndex":5,"createdIndex":5},' +
      '"prevNode":{"key":"/f","value":"old","modifiedIndex":3,"createdIndex":2}}\n',
    '{"action":"expire","node":{"key":"/t","dir":true,"modifiedIndex":7,"createdIndex":4},' +
      '"prevNode":{"key":"/t","dir":true,"modifiedIndex":4,"createdIndex":4}}\n',
  ]);
});

test('peer URLs are checked like etcd and come back sorted', () => {
  assert.deepEqual(checkPeerUrls(['http://b:2', ' http://a:1 ']), ['http://a:1', 'http://b:2']);
  assert.deepEqual(checkPeerUrls(['https://[::1]:2380']), ['https://[::1]:2380']);
  assert.throws(() => checkPeerUrls('x'), /no valid URLs given/);
  assert.throws(() => checkPeerUrls(['http://a:1/x']), /URL must not contain a path/);
});
