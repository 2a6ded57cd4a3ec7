import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { PeerClient as PeerGrpcClient } from '../../src/gen/tetcdpb/raft';
import { PeerClient } from '../../src/peer';
import { identityMetadata } from '../../src/peer/identity';
import { MessageType, type Message } from '../../src/raft/types';
import { connectAll, msg, startMember, unusedPort, waitFor, warmUp, type Member } from './helpers';

const CLUSTER = 0x1000n;

async function closeAll(members: Member[]): Promise<void> {
  await Promise.all(members.map((m) => m.transport.close()));
}

function apps(m: Member): Message[] {
  return m.received.filter((x) => x.type === MessageType.App);
}

/** Opens a raw Stream call to `target` as `from` and resolves with how it ended. */
function rawStream(target: Member, clusterId: bigint, from: bigint): Promise<grpc.ServiceError | null> {
  const client = new PeerGrpcClient(`127.0.0.1:${target.port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    const call = client.stream(identityMetadata({ clusterId, from, to: target.id }), (err) => {
      client.close();
      resolve(err);
    });
    call.end();
  });
}

describe('PeerTransport', () => {
  it('delivers batches in order', async () => {
    const a = await startMember(1n, CLUSTER);
    const b = await startMember(2n, CLUSTER);
    try {
      connectAll([a, b]);
      await warmUp(a, b);
      let next = 1;
      for (let turn = 0; turn < 20; turn++) {
        const batch: Message[] = [];
        for (let i = 0; i < 1 + (turn % 5); i++) batch.push(msg(1n, 2n, next++));
        a.transport.send(batch);
        a.transport.send([msg(1n, 2n, next++)]);
        if (turn % 3 === 0) await new Promise((r) => setImmediate(r));
      }
      await waitFor('all messages', () => apps(b).length === next - 1);
      assert.deepEqual(apps(b).map((m) => m.index), Array.from({ length: next - 1 }, (_, i) => i + 1));
      assert.equal(apps(b)[0].from, 1n);
      assert.deepEqual(a.unreachable, []);
    } finally {
      await closeAll([a, b]);
    }
  });

  it('sends one batch per peer per event-loop turn', async () => {
    const members = [await startMember(1n, CLUSTER), await startMember(2n, CLUSTER), await startMember(3n, CLUSTER)];
    const [a, b, c] = members;
    try {
      connectAll(members);
      await warmUp(a, b);
      await warmUp(a, c);
      const sentBefore = a.transport.stats();
      const bBefore = b.transport.stats();
      const cBefore = c.transport.stats();
      a.transport.send([msg(1n, 2n, 1), msg(1n, 3n, 1), msg(1n, 2n, 2)]);
      a.transport.send([msg(1n, 2n, 3), msg(1n, 3n, 2)]);
      await waitFor('delivery', () => apps(b).length === 3 && apps(c).length === 2);
      const sent = a.transport.stats();
      assert.equal(sent.sentBatches - sentBefore.sentBatches, 2);
      assert.equal(sent.sentMessages - sentBefore.sentMessages, 5);
      assert.equal(b.transport.stats().receivedBatches - bBefore.receivedBatches, 1);
      assert.equal(b.transport.stats().receivedMessages - bBefore.receivedMessages, 3);
      assert.equal(c.transport.stats().receivedBatches - cBefore.receivedBatches, 1);
      assert.deepEqual(apps(b).map((m) => m.index), [1, 2, 3]);
    } finally {
      await closeAll(members);
    }
  });

  it('rejects a stream from another cluster, naming both cluster IDs', async () => {
    const a = await startMember(1n, 0xaaaan);
    const b = await startMember(2n, 0xbbbbn);
    try {
      connectAll([a, b]);
      const err = await rawStream(b, 0xaaaan, 1n);
      assert.equal(err?.code, grpc.status.FAILED_PRECONDITION);
      assert.match(err.details, /cluster ID mismatch/);
      assert.match(err.details, /aaaa/);
      assert.match(err.details, /bbbb/);
      // Through the transport: nothing arrives and the sender hears the peer is unreachable.
      a.transport.send([msg(1n, 2n, 1)]);
      await waitFor('unreachable', () => a.unreachable.includes(2n));
      assert.deepEqual(b.received, []);
    } finally {
      await closeAll([a, b]);
    }
  });

  it('rejects unknown and removed members', async () => {
    const a = await startMember(1n, CLUSTER);
    const b = await startMember(2n, CLUSTER);
    try {
      connectAll([a, b]);
      const unknown = await rawStream(b, CLUSTER, 9n);
      assert.equal(unknown?.code, grpc.status.FAILED_PRECONDITION);
      assert.match(unknown.details, /member 9 is not a member of cluster 1000/);

      await warmUp(a, b);
      b.transport.removePeer(1n);
      const removed = await rawStream(b, CLUSTER, 1n);
      assert.equal(removed?.code, grpc.status.FAILED_PRECONDITION);
      assert.match(removed.details, /member 1 was removed/);
      // A's open stream was cut too: it is told B is unreachable and B gets nothing more.
      await waitFor('unreachable', () => a.unreachable.includes(2n));
      a.transport.send([msg(1n, 2n, 1)]);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(apps(b), []);
    } finally {
      await closeAll([a, b]);
    }
  });

  it('honours an isKnownPeer callback', async () => {
    const a = await startMember(1n, CLUSTER);
    const b = await startMember(2n, CLUSTER, { isKnownPeer: (id) => id === 7n });
    try {
      assert.equal(await rawStream(b, CLUSTER, 7n), null);
      assert.equal((await rawStream(b, CLUSTER, 1n))?.code, grpc.status.FAILED_PRECONDITION);
    } finally {
      await closeAll([a, b]);
    }
  });

  it('reports an unreachable peer that is down', async () => {
    const a = await startMember(1n, CLUSTER);
    try {
      a.transport.addPeer(2n, [`http://127.0.0.1:${await unusedPort()}`]);
      a.transport.send([msg(1n, 2n, 1)]);
      await waitFor('unreachable', () => a.unreachable.includes(2n));
      // Once the stream is known to be down, sends are dropped and reported at once.
      a.unreachable.length = 0;
      const dropped = a.transport.stats().droppedMessages;
      a.transport.send([msg(1n, 2n, 2), msg(1n, 2n, 3)]);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(a.unreachable, [2n]);
      assert.equal(a.transport.stats().droppedMessages - dropped, 2);
    } finally {
      await a.transport.close();
    }
  });

  it('reconnects after the peer restarts', async () => {
    const a = await startMember(1n, CLUSTER);
    let b = await startMember(2n, CLUSTER);
    try {
      connectAll([a, b]);
      await warmUp(a, b);
      const port = b.port;
      await b.transport.close();
      await waitFor('unreachable', () => a.unreachable.includes(2n));
      b = await startMember(2n, CLUSTER, {}, port);
      b.transport.addPeer(1n, [a.url]);
      await warmUp(a, b);
      a.transport.send([msg(1n, 2n, 42)]);
      await waitFor('message after restart', () => apps(b).length === 1);
      assert.equal(apps(b)[0].index, 42);
    } finally {
      await closeAll([a, b]);
    }
  });

  it('tries a member\'s other URLs and follows updatePeer', async () => {
    const a = await startMember(1n, CLUSTER);
    const b = await startMember(2n, CLUSTER);
    const c = await startMember(3n, CLUSTER);
    try {
      b.transport.addPeer(1n, [a.url]);
      c.transport.addPeer(1n, [a.url]);
      a.transport.addPeer(2n, [`http://127.0.0.1:${await unusedPort()}`, b.url]);
      await warmUp(a, b);
      a.transport.addPeer(3n, [`http://127.0.0.1:${await unusedPort()}`]);
      a.transport.send([msg(1n, 3n, 1)]);
      await waitFor('unreachable', () => a.unreachable.includes(3n));
      a.transport.updatePeer(3n, [c.url]);
      await warmUp(a, c);
    } finally {
      await closeAll([a, b, c]);
    }
  });

  it('drops what the link filter rejects, on either side', async () => {
    const members = [await startMember(1n, CLUSTER), await startMember(2n, CLUSTER), await startMember(3n, CLUSTER)];
    const [a, b, c] = members;
    try {
      connectAll(members);
      await warmUp(a, b);
      await warmUp(a, c);
      a.transport.setLinkFilter((from, to) => !(from === 1n && to === 2n));
      a.transport.send([msg(1n, 2n, 1), msg(1n, 3n, 1)]);
      await waitFor('delivery to c', () => apps(c).length === 1);
      a.transport.setLinkFilter(() => true);
      // The receiver's filter alone cuts the link too.
      b.transport.setLinkFilter((from) => from !== 1n);
      const bBefore = b.transport.stats().receivedMessages;
      a.transport.send([msg(1n, 2n, 2)]);
      await waitFor('batch reaches b', () => b.transport.stats().receivedMessages > bBefore);
      b.transport.setLinkFilter(() => true);
      a.transport.send([msg(1n, 2n, 3)]);
      await waitFor('delivery to b', () => apps(b).length > 0);
      // Ordering makes this conclusive: had 1 or 2 got through, they would have arrived before 3.
      assert.deepEqual(apps(b).map((m) => m.index), [3]);
    } finally {
      await closeAll(members);
    }
  });

  it('streams a multi-megabyte snapshot and reports success', async () => {
    const a = await startMember(1n, CLUSTER);
    const b = await startMember(2n, CLUSTER);
    try {
      connectAll([a, b]);
      const data = new Uint8Array(5 * 1024 * 1024 + 123);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 0xff;
      const snap = msg(1n, 2n, 0, MessageType.Snap);
      snap.snapshot = { metadata: { index: 900, term: 7, confState: { voters: [1n, 2n], learners: [3n] } }, data };
      a.transport.send([snap]);
      await waitFor('snapshot status', () => a.snapshotStatus.length === 1, 20000);
      assert.deepEqual(a.snapshotStatus, [{ id: 2n, ok: true }]);
      const got = b.received.filter((m) => m.type === MessageType.Snap);
      assert.equal(got.length, 1);
      assert.deepEqual(got[0].snapshot?.metadata, snap.snapshot.metadata);
      assert.equal(got[0].snapshot?.data.length, data.length);
      assert.ok(Buffer.from(got[0].snapshot!.data).equals(Buffer.from(data)));
    } finally {
      await closeAll([a, b]);
    }
  });

  it('reports a snapshot that cannot be delivered as failed', async () => {
    const a = await startMember(1n, CLUSTER);
    try {
      a.transport.addPeer(2n, [`http://127.0.0.1:${await unusedPort()}`]);
      const snap = msg(1n, 2n, 0, MessageType.Snap);
      snap.snapshot = { metadata: { index: 5, term: 1, confState: { voters: [1n, 2n], learners: [] } }, data: new Uint8Array(10) };
      a.transport.send([snap]);
      await waitFor('snapshot status', () => a.snapshotStatus.length === 1);
      assert.deepEqual(a.snapshotStatus, [{ id: 2n, ok: false }]);
      // A partitioned link fails it without trying.
      a.transport.setLinkFilter(() => false);
      a.transport.send([snap]);
      await waitFor('second status', () => a.snapshotStatus.length === 2);
      assert.deepEqual(a.snapshotStatus[1], { id: 2n, ok: false });
    } finally {
      await a.transport.close();
    }
  });
});

describe('PeerTransport over TLS', () => {
  // Compiled, this file runs from dist/test/peer while the fixtures stay in the source tree.
  const fixtures = path.resolve(__dirname, __filename.endsWith('.ts') ? '.' : '../../../test/peer', 'fixtures');
  const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name));
  // One self-signed certificate for 127.0.0.1 serves as every member's server and client certificate.
  const tls = { cert: fixture('peer-cert.pem'), key: fixture('peer-key.pem'), ca: fixture('peer-cert.pem'), clientCertAuth: true };

  it('exchanges messages over https with client certificates, refusing callers without one', async () => {
    const a = await startMember(1n, CLUSTER, { tls }, 0, tls);
    const b = await startMember(2n, CLUSTER, { tls }, 0, tls);
    try {
      assert.match(a.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      connectAll([a, b]);
      await warmUp(a, b);
      await warmUp(b, a);
      const noCert = new PeerGrpcClient(`127.0.0.1:${b.port}`, grpc.credentials.createSsl(tls.ca));
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        noCert.memberInfo({}, (e) => resolve(e));
      });
      noCert.close();
      assert.equal(err?.code, grpc.status.UNAVAILABLE);
    } finally {
      await closeAll([a, b]);
    }
  });
});

describe('PeerClient', () => {
  it('answers MemberInfo and forwards LeaseRenew to the handler', async () => {
    const renewed: bigint[] = [];
    const a = await startMember(1n, CLUSTER);
    const b = await startMember(2n, CLUSTER, {
      memberInfo: () => ({ name: 'infra2', clientUrls: ['http://127.0.0.1:2379'], membership: Buffer.from('{"m":1}') }),
      onLeaseRenew: async (id) => {
        if (id === 404n) throw Object.assign(new Error('requested lease not found'), { code: grpc.status.NOT_FOUND });
        renewed.push(id);
        return 60n;
      },
    });
    const client = new PeerClient({ url: b.url, memberId: 1n, clusterId: CLUSTER, peerId: 2n });
    const stranger = new PeerClient({ url: b.url, memberId: 1n, clusterId: 0x99n, peerId: 2n });
    try {
      connectAll([a, b]);
      assert.deepEqual(await client.memberInfo(), {
        memberId: 2n,
        clusterId: CLUSTER,
        name: 'infra2',
        clientUrls: ['http://127.0.0.1:2379'],
        membership: Buffer.from('{"m":1}'),
      });
      assert.equal(await client.leaseRenew(0x7fff_ffff_ffff_fff0n), 60n);
      assert.deepEqual(renewed, [0x7fff_ffff_ffff_fff0n]);
      await assert.rejects(client.leaseRenew(404n), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.NOT_FOUND);
        assert.equal(err.details, 'etcdserver: requested lease not found');
        return true;
      });
      await assert.rejects(stranger.leaseRenew(1n), (err: grpc.ServiceError) => err.code === grpc.status.FAILED_PRECONDITION);
    } finally {
      client.close();
      stranger.close();
      await closeAll([a, b]);
    }
  });
});
