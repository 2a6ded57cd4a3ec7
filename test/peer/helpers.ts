// Transports on 127.0.0.1 with port 0 that record everything they are told, for the peer tests.
import net from 'node:net';
import pino from 'pino';
import { PeerTransport, type PeerTls, type PeerTransportOptions } from '../../src/peer';
import { MessageType, type Message } from '../../src/raft/types';

export const silent = pino({ level: 'silent' });

export interface Member {
  id: bigint;
  url: string;
  port: number;
  transport: PeerTransport;
  received: Message[];
  unreachable: bigint[];
  snapshotStatus: { id: bigint; ok: boolean }[];
}

export async function startMember(
  id: bigint,
  clusterId: bigint,
  extra: Partial<PeerTransportOptions> = {},
  port = 0,
  listenTls?: PeerTls,
): Promise<Member> {
  const received: Message[] = [];
  const unreachable: bigint[] = [];
  const snapshotStatus: { id: bigint; ok: boolean }[] = [];
  const transport = new PeerTransport({
    memberId: id,
    clusterId,
    logger: silent,
    onMessage: (m) => received.push(m),
    onUnreachable: (peer) => unreachable.push(peer),
    onSnapshotStatus: (peer, ok) => snapshotStatus.push({ id: peer, ok }),
    ...extra,
  });
  const scheme = listenTls ? 'https' : 'http';
  const [addr] = await transport.listen([`${scheme}://127.0.0.1:${port}`], listenTls);
  return { id, url: addr.url, port: addr.port, transport, received, unreachable, snapshotStatus };
}

/** Makes every member a peer of every other one. */
export function connectAll(members: Member[]): void {
  for (const a of members) {
    for (const b of members) if (a !== b) a.transport.addPeer(b.id, [b.url]);
  }
}

export function msg(from: bigint, to: bigint, index: number, type = MessageType.App): Message {
  return {
    type,
    to,
    from,
    term: 1,
    logTerm: 1,
    index,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
  };
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sends a probe from `from` to `to` until one arrives, i.e. until the stream between them works. */
export async function warmUp(from: Member, to: Member): Promise<void> {
  const before = to.received.length;
  const deadline = Date.now() + 5000;
  while (to.received.length === before) {
    if (Date.now() > deadline) throw new Error(`no stream from ${from.id} to ${to.id}`);
    from.transport.send([msg(from.id, to.id, 0, MessageType.Heartbeat)]);
    await new Promise((r) => setTimeout(r, 20));
  }
  // Let stray probes still in flight land before the caller starts counting.
  await new Promise((r) => setTimeout(r, 50));
  to.received.length = 0;
}

/** A port nothing listens on (it was free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
