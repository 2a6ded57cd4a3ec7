// --discovery-srv: endpoints from DNS SRV records, as etcdctl derives them (records from a stand-in resolver).
import assert from 'node:assert/strict';
import type { SrvRecord } from 'node:dns';
import { describe, it } from 'node:test';
import { discoverEndpoints, srvService } from '../../src/cli/ctl/discovery';
import { CtlError } from '../../src/cli/ctl/errors';

const srv = (name: string, port: number, priority = 0, weight = 0): SrvRecord => ({ name, port, priority, weight });

function resolver(zone: Record<string, SrvRecord[]>) {
  const asked: string[] = [];
  const lookup = async (name: string): Promise<SrvRecord[]> => {
    asked.push(name);
    const records = zone[name];
    if (records === undefined) throw Object.assign(new Error(`queryNotFound ${name}`), { code: 'ENOTFOUND' });
    return records;
  };
  return { asked, lookup };
}

describe('SRV discovery', () => {
  it('queries etcd-client-ssl and etcd-client (with the service name), https endpoints first, by priority', async () => {
    const { asked, lookup } = resolver({
      '_etcd-client-ssl-prod._tcp.example.com': [srv('b.example.com', 2379, 10), srv('a.example.com', 2379, 0)],
      '_etcd-client-prod._tcp.example.com': [srv('c.example.com.', 4001)],
    });
    const eps = await discoverEndpoints('example.com', 'prod', true, () => assert.fail('nothing to warn about'), lookup);
    assert.deepEqual(asked, ['_etcd-client-ssl-prod._tcp.example.com', '_etcd-client-prod._tcp.example.com']);
    assert.deepEqual(eps, ['https://a.example.com.:2379', 'https://b.example.com.:2379', 'http://c.example.com.:4001']);
    assert.equal(srvService('', 'https'), 'etcd-client-ssl');
    assert.equal(srvService('', 'http'), 'etcd-client');
  });

  it('without --insecure-discovery, plain http endpoints are dropped with a note', async () => {
    const { lookup } = resolver({
      '_etcd-client-ssl._tcp.example.com': [srv('a.example.com', 2379)],
      '_etcd-client._tcp.example.com': [srv('c.example.com', 2379)],
    });
    const notes: string[] = [];
    const eps = await discoverEndpoints('example.com', '', false, (l) => notes.push(l), lookup);
    assert.deepEqual(eps, ['https://a.example.com.:2379']);
    assert.deepEqual(notes, ['ignoring discovered insecure endpoint "http://c.example.com.:2379"\n']);
  });

  it('one answering lookup is enough; none is an error naming both', async () => {
    const { lookup } = resolver({ '_etcd-client._tcp.example.com': [srv('c.example.com', 2379)] });
    assert.deepEqual(await discoverEndpoints('example.com', '', true, () => {}, lookup), ['http://c.example.com.:2379']);
    await assert.rejects(
      discoverEndpoints('nowhere.test', '', true, () => {}, resolver({}).lookup),
      (err: Error) =>
        err instanceof CtlError &&
        err.message === 'dns lookup errors: lookup _etcd-client-ssl._tcp.nowhere.test: ENOTFOUND and lookup _etcd-client._tcp.nowhere.test: ENOTFOUND',
    );
  });
});
