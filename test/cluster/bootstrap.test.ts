// A three-member cluster configured the way the seed document's /etc/etcd/etcd.conf configures master, node1 and
// node2 — nothing but ETCD_* variables — with loopback addresses (127.0.0.11-13 standing in for the 192.168.x hosts)
// and free ports in place of 2379/2380. tetcd must derive etcd's member and cluster IDs and list the members as etcd
// does; the same variables are then given to real etcd 3.4 and both answers compared.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  bootstrapMemberId,
  clusterMember,
  clusterOf,
  freePort,
  haveEtcdctl,
  tempDir,
  type TetcdCluster,
} from '../helpers/tetcd';
import { ctl, parseJsonIds } from './util';

const NAMES = ['master', 'node1', 'node2'];
const TOKEN = 'etcd-cluster';

interface Layout {
  peerUrls: string[];
  clientUrls: string[];
  localClientUrls: string[];
}

async function layout(): Promise<Layout> {
  const ports: number[] = [];
  while (ports.length < 9) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const host = (i: number): string => `127.0.0.${11 + i}`;
  return {
    peerUrls: NAMES.map((_, i) => `http://${host(i)}:${ports[3 * i]}`),
    clientUrls: NAMES.map((_, i) => `http://${host(i)}:${ports[3 * i + 1]}`),
    localClientUrls: NAMES.map((_, i) => `http://127.0.0.1:${ports[3 * i + 2]}`),
  };
}

/** Each member's etcd.conf from the seed, with this run's addresses; no flags at all. */
function seedCluster(l: Layout, server: 'tetcd' | 'etcd'): TetcdCluster {
  const initialCluster = NAMES.map((n, i) => `${n}=${l.peerUrls[i]}`).join(',');
  const members = NAMES.map((name, i) => {
    const dataDir = tempDir(`tetcd-seed-${name}-`);
    return clusterMember({
      name,
      id: bootstrapMemberId([l.peerUrls[i]], TOKEN),
      clientUrl: l.clientUrls[i],
      peerUrl: l.peerUrls[i],
      dataDir,
      server,
      args: [],
      env: {
        ETCD_DATA_DIR: dataDir,
        ETCD_LISTEN_PEER_URLS: l.peerUrls[i],
        ETCD_LISTEN_CLIENT_URLS: `${l.clientUrls[i]},${l.localClientUrls[i]}`,
        ETCD_NAME: name,
        ETCD_INITIAL_ADVERTISE_PEER_URLS: l.peerUrls[i],
        ETCD_ADVERTISE_CLIENT_URLS: l.clientUrls[i],
        ETCD_INITIAL_CLUSTER: initialCluster,
        ETCD_INITIAL_CLUSTER_TOKEN: TOKEN,
        ETCD_INITIAL_CLUSTER_STATE: 'new',
      },
    });
  });
  return clusterOf(members, TOKEN, initialCluster);
}

async function startAll(c: TetcdCluster): Promise<void> {
  for (const m of c.members) await m.start();
  await c.waitHealthy(30000);
}

interface Observed {
  list: string;
  table: string;
  json: any;
}

async function observe(c: TetcdCluster): Promise<Observed> {
  const ep = c.endpoints();
  return {
    list: await ctl(ep, ['member', 'list']),
    table: await ctl(ep, ['member', 'list', '-w', 'table']),
    json: parseJsonIds(await ctl(ep, ['member', 'list', '-w', 'json'])),
  };
}

describe('bootstrap from the seed etcd.conf variables', { skip: !haveEtcdctl() && 'etcdctl not installed' }, () => {
  let l: Layout;
  let tetcd: Observed;

  before(async () => {
    l = await layout();
    const cluster = seedCluster(l, 'tetcd');
    try {
      await startAll(cluster);
      tetcd = await observe(cluster);
    } finally {
      await cluster.destroy();
    }
  });

  it('derives IDs by the sha1 rule that reproduces the seed document IDs', () => {
    // The seed's own `etcdctl member list` output for its 192.168.x peer URLs.
    assert.equal(bootstrapMemberId(['http://192.168.1.201:2380'], TOKEN), 'b4b07e4c725567ef');
    assert.equal(bootstrapMemberId(['http://192.168.56.3:2380'], TOKEN), 'f6e21250ef798b6d');
    assert.equal(bootstrapMemberId(['http://192.168.56.4:2380'], TOKEN), 'de5365f8233167d3');
    const ids = tetcd.json.members.map((m: any) => m.ID).sort();
    assert.deepEqual(ids, l.peerUrls.map((u) => bootstrapMemberId([u], TOKEN)).sort());
  });

  it('lists three started members with their names and URLs', () => {
    assert.equal(tetcd.json.members.length, 3);
    for (const [i, name] of NAMES.entries()) {
      const m = tetcd.json.members.find((x: any) => x.name === name);
      assert.ok(m, `member ${name} missing from ${JSON.stringify(tetcd.json)}`);
      assert.deepEqual(m.peerURLs, [l.peerUrls[i]]);
      assert.deepEqual(m.clientURLs, [l.clientUrls[i]]);
      assert.ok(!m.isLearner);
      assert.match(tetcd.list, new RegExp(`^${m.ID}, started, ${name}, ${l.peerUrls[i]}, ${l.clientUrls[i]}, false$`, 'm'));
      // The table right-aligns IDs: one with fewer hex digits (a leading zero dropped) gets more padding.
      assert.match(tetcd.table, new RegExp(`\\| +${m.ID} \\| started \\| +${name} \\| ${l.peerUrls[i]} \\| ${l.clientUrls[i]} \\| +false \\|`));
    }
  });

  it('answers member list exactly as etcd 3.4 started from the same variables', async () => {
    const etcd = seedCluster(l, 'etcd');
    let real: Observed;
    try {
      await startAll(etcd);
      real = await observe(etcd);
    } finally {
      await etcd.destroy();
    }
    assert.equal(tetcd.list, real.list);
    assert.equal(tetcd.table, real.table);
    assert.equal(tetcd.json.header.cluster_id, real.json.header.cluster_id);
    assert.deepEqual(tetcd.json.members, real.json.members);
  });
});
