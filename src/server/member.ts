// Starts one member: opens (or bootstraps, or joins) its data dir, builds Raft, the stores, the peer transport and
// the service layer, and serves the client URLs. Returns a handle whose stop() shuts everything down in order.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TetcdConfig } from '../config/types';
import { DEFAULT_QUOTA_BACKEND_BYTES } from '../config/types';
import type { InternalRequest } from '../gen/tetcdpb/internal';
import { Lessor, minLeaseTtl } from '../lease/lessor';
import { MvccStore } from '../mvcc/store';
import { WatchableStore } from '../mvcc/watchable-store';
import { PeerClient, PeerTransport, type PeerTlsSource } from '../peer';
import { MemoryStorage, RawNode, StateType, type RaftConfig, type Snapshot } from '../raft';
import { RaftLogStore } from '../storage';
import { AuthStore } from '../auth/auth-store';
import { createTokenProvider } from '../auth/token-options';
import { registerV2 } from '../../gateway/v2';
import { registerV3Gateway } from '../../gateway/v3/register';
import { Alarms } from './alarms';
import { Applier } from './apply';
import { AutoCompactor, planAutoCompaction } from './auto-compactor';
import { CertificateNames, listenClientUrls, type ClientListeners } from './client-listener';
import { clientCertCheck, clientTlsSource } from './client-tls';
import { ClusterManager, MEMBERSHIP_BUCKET, MEMBERSHIP_KEY } from './cluster-manager';
import { EtcdServer, CLUSTER_VERSION } from './etcd-server';
import { EtcdError } from './errors';
import { createGrpcServer } from './grpc-services';
import { buildHttpApp } from './http-app';
import { LeaseTimers } from './lease-timers';
import { Membership, initialMembers } from './membership';
import { peerTlsSource } from './peer-tls';
import { MetricsRegistry } from './metrics';
import { ProposalRegistry } from './proposals';
import { RaftLogCompactor } from './raft-log-compactor';
import { RaftNode } from './raft-node';
import { LinearizableReads } from './read-index';
import { V3Election } from './v3election';
import { V3Lock } from './v3lock';

const SELF_KEY = Buffer.from('self');

export interface RunningMember {
  server: EtcdServer;
  clientAddresses: Array<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/** Where each store lives, as in etcd's layout: <data-dir>/member/{wal,snap}. */
export function memberPaths(cfg: Pick<TetcdConfig, 'dataDir' | 'walDir'>): { wal: string; db: string } {
  return {
    wal: cfg.walDir !== '' ? cfg.walDir : path.join(cfg.dataDir, 'member', 'wal'),
    db: path.join(cfg.dataDir, 'member', 'snap', 'db'),
  };
}

function encodeId(id: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(id);
  return b;
}

/** Who this member is and which cluster it belongs to: from its store, from --initial-cluster, or from a peer. */
async function resolveIdentity(
  cfg: TetcdConfig,
  mvcc: MvccStore,
  peerTls: PeerTlsSource | undefined,
): Promise<{ membership: Membership; memberId: bigint; bootstrap: boolean }> {
  const stored = mvcc.getMeta(MEMBERSHIP_BUCKET, MEMBERSHIP_KEY);
  if (stored) {
    return {
      membership: Membership.decode(stored),
      memberId: mvcc.getMeta(MEMBERSHIP_BUCKET, SELF_KEY)!.readBigUInt64BE(0),
      bootstrap: false,
    };
  }
  let membership: Membership;
  let memberId: bigint;
  if (cfg.initialClusterState === 'existing') {
    membership = await fetchMembership(cfg, peerTls);
    const mine = [...cfg.initialAdvertisePeerUrls].sort().join(',');
    const self = membership.list().find((m) => m.peerUrls.join(',') === mine);
    if (!self) {
      throw new Error(
        `member with peer URLs ${mine} is not in the existing cluster ${membership.clusterId.toString(16)}; add it first with "member add"`,
      );
    }
    memberId = self.id;
  } else {
    const members = initialMembers(cfg.initialCluster, cfg.initialClusterToken);
    const self = members.find((m) => m.name === cfg.name);
    if (!self) throw new Error(`couldn't find local name "${cfg.name}" in the initial cluster configuration`);
    membership = Membership.bootstrap(members);
    memberId = self.id;
  }
  mvcc.putMeta(MEMBERSHIP_BUCKET, SELF_KEY, encodeId(memberId));
  mvcc.putMeta(MEMBERSHIP_BUCKET, MEMBERSHIP_KEY, membership.encode());
  await mvcc.commit(0);
  return { membership, memberId, bootstrap: cfg.initialClusterState !== 'existing' };
}

/** Asks the other members named in --initial-cluster for the cluster's membership, as etcd does when joining. */
async function fetchMembership(cfg: TetcdConfig, tls: PeerTlsSource | undefined): Promise<Membership> {
  const own = new Set(cfg.initialAdvertisePeerUrls);
  const urls = initialMembers(cfg.initialCluster, cfg.initialClusterToken)
    .flatMap((m) => m.peerUrls)
    .filter((u) => !own.has(u));
  const errors: string[] = [];
  for (const url of urls) {
    const client = new PeerClient({ url, memberId: 0n, clusterId: 0n, peerId: 0n, tls, timeoutMs: 3000 });
    try {
      const info = await client.memberInfo();
      if (info.membership.length > 0) return Membership.decode(info.membership);
      errors.push(`${url}: no membership in its answer`);
    } catch (err) {
      errors.push(`${url}: ${(err as Error).message}`);
    } finally {
      client.close();
    }
  }
  throw new Error(`could not get the cluster's members from any peer (${errors.join('; ')})`);
}

/**
 * Test-only (TETCD_TEST_FAULTS=1): POST /debug/tetcd/isolate {"peers":["<hex id>",...]} drops all Raft traffic
 * between this member and those peers, both ways; an empty list heals. Cluster tests use it to cut partitions.
 */
function registerFaultInjection(http: FastifyInstance, transport: PeerTransport, logger: Logger): void {
  http.post('/debug/tetcd/isolate', async (request) => {
    const body = (request.body ?? {}) as { peers?: string[] };
    const cut = new Set((body.peers ?? []).map((h) => BigInt('0x' + h)));
    transport.setLinkFilter((from, to) => !cut.has(from) && !cut.has(to));
    logger.warn({ isolatedFrom: body.peers ?? [] }, 'fault injection: peer links changed');
    return { isolatedFrom: body.peers ?? [] };
  });
}

export async function startMember(cfg: TetcdConfig, logger: Logger): Promise<RunningMember> {
  const paths = memberPaths(cfg);
  fs.mkdirSync(paths.wal, { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.dirname(paths.db), { recursive: true, mode: 0o700 });
  // Before anything is opened: unreadable certificates stop the start-up here.
  const peerTls = await peerTlsSource(cfg, logger);
  const clientTls = await clientTlsSource(cfg, logger);
  const log = await RaftLogStore.open(paths.wal, { maxSnapshots: cfg.maxSnapshots });
  const mvcc = await MvccStore.open(paths.db);
  let identity: Awaited<ReturnType<typeof resolveIdentity>>;
  try {
    identity = await resolveIdentity(cfg, mvcc, peerTls);
  } catch (err) {
    await mvcc.close();
    await log.close();
    throw err;
  }
  const { membership, memberId } = identity;
  const loaded = await log.load();

  const memory = new MemoryStorage();
  if (loaded.snapshot) memory.applySnapshot(loaded.snapshot);
  memory.setHardState(loaded.hardState);
  if (loaded.entries.length > 0) memory.append(loaded.entries);

  const electionTick = Math.max(2, Math.round(cfg.electionTimeout / cfg.heartbeatInterval));
  const raftConfig: RaftConfig = {
    id: memberId,
    electionTick,
    heartbeatTick: 1,
    storage: memory,
    applied: mvcc.consistentIndex,
    checkQuorum: true,
    preVote: cfg.preVote,
    maxSizePerMsg: 1024 * 1024,
    maxInflightMsgs: 512,
  };
  const rawNode =
    identity.bootstrap && loaded.entries.length === 0 && !loaded.snapshot
      ? RawNode.bootstrap(raftConfig, membership.list().filter((m) => !m.isLearner).map((m) => m.id))
      : new RawNode(raftConfig);

  const requestTimeoutMs = 5000 + 2 * cfg.electionTimeout;
  const proposals = new ProposalRegistry<InternalRequest>(memberId, requestTimeoutMs);
  const alarms = new Alarms(mvcc);
  let auth: AuthStore;
  try {
    auth = new AuthStore(mvcc, createTokenProvider(cfg.authToken, cfg.authTokenTtl));
  } catch (err) {
    await mvcc.close();
    await log.close();
    throw err;
  }
  const lessor = await Lessor.open({
    backend: mvcc,
    now: () => performance.now(),
    minTtl: minLeaseTtl(electionTick, cfg.heartbeatInterval),
    checkpointing: true,
  });
  const watchable = new WatchableStore(mvcc);

  // The pieces below refer to each other; each is assigned before any callback can run.
  let raft: RaftNode;
  let server: EtcdServer;
  let cluster: ClusterManager;
  let applier: Applier;
  let stopping = false;

  // The store's batches are written one after another; `nextCommit` lets a caller wait for the next one.
  let commitChain: Promise<void> = Promise.resolve();
  let commitWaiters: Array<() => void> = [];
  const flushStore = (): Promise<void> => {
    commitChain = commitChain.then(() => mvcc.commit(raft.applied));
    return commitChain;
  };

  const transport = new PeerTransport({
    memberId,
    clusterId: membership.clusterId,
    logger,
    tls: peerTls,
    onMessage: (m) => raft.step(m),
    onUnreachable: (id) => raft.raw.reportUnreachable(id),
    onSnapshotStatus: (id, ok) => {
      raft.raw.reportSnapshot(id, ok);
      raft.wake();
    },
    isKnownPeer: (id) => membership.get(id) !== undefined,
    snapshotData: async () => {
      await flushStore();
      const chunks: Buffer[] = [];
      for await (const chunk of mvcc.snapshotStream()) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    onLeaseRenew: async (id) => server.leaseRenew(id),
    onRemoved: () => removedFromCluster(),
    leaderCalls: {
      memberPromote: (req) => server.memberPromote(req.ID),
      leaseTimeToLive: (req) => server.leaseTimeToLive(req),
    },
    memberInfo: () => ({ name: cfg.name, clientUrls: cfg.advertiseClientUrls, membership: membership.encode() }),
  });

  const reads = new LinearizableReads(
    {
      requestReadIndex: (ctx) => {
        raft.raw.readIndex(ctx);
        raft.wake();
      },
      appliedIndex: () => raft.applied,
    },
    Math.max(100, cfg.heartbeatInterval * 2),
    requestTimeoutMs,
  );

  // A removed member stops itself, whether it applied its own removal or a peer refused it as removed.
  let removing = false;
  const removedFromCluster = (): void => {
    if (removing) return;
    removing = true;
    logger.warn('the member has been permanently removed from the cluster; stopping');
    // Let the apply of the removal finish (and be written) before the process stops itself.
    setTimeout(() => process.kill(process.pid, 'SIGTERM'), 100).unref();
  };

  // A single voter need not wait out an election timeout to lead; Raft ignores the campaign until the
  // configuration entries written at bootstrap are applied, so it is retried after each apply until it wins.
  const campaignIfAlone = (): void => {
    if (raft.leader !== 0n) return;
    const voters = membership.list().filter((m) => !m.isLearner);
    if (voters.length !== 1 || voters[0].id !== memberId) return;
    raft.raw.campaign();
    raft.wake();
  };

  // Each member publishes its name and client URLs through Raft once a leader is known, as etcd does.
  let publishing = false;
  const isPublished = (): boolean => {
    const me = membership.get(memberId);
    return me !== undefined && me.name === cfg.name && me.clientUrls.join(',') === cfg.advertiseClientUrls.join(',');
  };
  const publishSelf = (): void => {
    if (publishing || stopping || raft.leader === 0n || !membership.get(memberId) || isPublished()) return;
    publishing = true;
    server
      .propose({ clusterMemberAttr: { memberId, name: cfg.name, clientUrls: cfg.advertiseClientUrls } })
      .catch((err) => logger.debug({ err }, 'publishing member attributes failed; will retry'))
      .finally(() => (publishing = false));
  };
  const publishTimer = setInterval(publishSelf, 500);
  publishTimer.unref();

  applier = new Applier({
    mvcc,
    lessor,
    alarms,
    auth,
    proposals,
    header: (rev) => server.header(rev),
    nextCommit: () => new Promise<void>((resolve) => commitWaiters.push(resolve)),
    applyConfChange: (entry, isNew) => cluster.applyConfChange(entry, isNew),
    applyMemberAttr: (req) => cluster.applyMemberAttr(req),
    logger,
  });

  const restoreSnapshot = async (snap: Snapshot): Promise<void> => {
    await commitChain;
    await mvcc.restoreFrom([snap.data]);
    // The snapshot is the sender's store: keep our own identity in it.
    mvcc.putMeta(MEMBERSHIP_BUCKET, SELF_KEY, encodeId(memberId));
    const restored = mvcc.getMeta(MEMBERSHIP_BUCKET, MEMBERSHIP_KEY);
    if (restored) cluster.replaceMembership(Membership.decode(restored));
    await mvcc.commit(mvcc.consistentIndex);
    await lessor.recover();
    alarms.reload();
    auth.reload();
    watchable.restore();
    applier.skipThrough = mvcc.consistentIndex;
    logger.info({ index: snap.metadata.index, storeIndex: mvcc.consistentIndex }, 'restored the store from a snapshot');
  };

  raft = new RaftNode({
    rawNode,
    memory,
    log,
    transport,
    tickMs: cfg.heartbeatInterval,
    logger,
    app: {
      applyEntries: (entries) => applier.applyEntries(entries),
      restoreSnapshot,
      onReadStates: (states) => {
        for (const s of states) reads.onReadState(s.requestCtx, s.index);
      },
      onSoftState: (soft) => {
        if (soft.state === StateType.Leader) lessor.promote(cfg.electionTimeout);
        else lessor.demote();
        // Proposals made here while no leader was known can never be committed: fail them now, not at the timeout.
        if (soft.lead === 0n) proposals.failAll(new EtcdError('leaderChanged'));
        logger.info({ leader: soft.lead.toString(16), state: StateType[soft.state] }, 'raft state changed');
        publishSelf();
      },
      afterApply: (applied) => {
        reads.onApplied(applied);
        campaignIfAlone();
        compactor.maybeSnapshot(applied);
        const waiters = commitWaiters;
        commitWaiters = [];
        commitChain = commitChain
          .then(() => mvcc.commit(applied))
          .then(() => {
            for (const w of waiters) w();
          })
          .catch((err) => {
            logger.fatal({ err }, 'writing the store failed; stopping the member');
            process.kill(process.pid, 'SIGTERM');
          });
      },
    },
  });

  const peerClients = new Map<bigint, PeerClient>();
  const compactor = new RaftLogCompactor({ memory, log, raw: rawNode, snapshotCount: cfg.snapshotCount, flushStore, logger });

  cluster = new ClusterManager({
    memberId,
    clusterToken: cfg.initialClusterToken,
    membership,
    mvcc,
    raft,
    peers: transport,
    proposals,
    header: () => server.clusterHeader(),
    strictReconfigCheck: cfg.strictReconfigCheck,
    logger,
    onRemovedSelf: () => removedFromCluster(),
  });

  server = new EtcdServer({
    name: cfg.name,
    memberId,
    membership,
    cluster,
    raft,
    mvcc,
    watchable,
    lessor,
    alarms,
    authStore: auth,
    bcryptCost: cfg.bcryptCost,
    proposals,
    reads,
    logger,
    maxRequestBytes: cfg.maxRequestBytes,
    maxTxnOps: cfg.maxTxnOps,
    quotaBackendBytes: cfg.quotaBackendBytes > 0 ? cfg.quotaBackendBytes : DEFAULT_QUOTA_BACKEND_BYTES,
    electionTimeoutMs: cfg.electionTimeout,
    flushStore,
    leaderPeer: (leaderId) => {
      let client = peerClients.get(leaderId);
      const m = membership.get(leaderId);
      if (!client && m) {
        client = new PeerClient({ url: m.peerUrls[0], memberId, clusterId: membership.clusterId, peerId: leaderId, tls: peerTls });
        peerClients.set(leaderId, client);
      }
      return client;
    },
  });

  try {
    await transport.listen(cfg.listenPeerUrls, peerTls);
  } catch (err) {
    await transport.close();
    await mvcc.close();
    await log.close();
    throw err;
  }
  for (const m of membership.list()) if (m.id !== memberId) transport.addPeer(m.id, m.peerUrls);

  raft.start();
  campaignIfAlone();
  const autoPromote = cfg.autoPromoteLearners ? setInterval(() => cluster.promoteReadyLearners(), 1000) : undefined;
  autoPromote?.unref();
  const leaseTimers = new LeaseTimers(server, lessor, raft, logger);
  leaseTimers.start();
  const compactionPlan = planAutoCompaction(cfg.autoCompactionMode, cfg.autoCompactionRetention);
  const autoCompactor =
    compactionPlan &&
    new AutoCompactor(
      compactionPlan,
      {
        isLeader: () => raft.isLeader,
        currentRevision: () => mvcc.currentRevision,
        compact: (revision) => server.compact({ revision: BigInt(revision), physical: false }),
      },
      logger,
    );
  autoCompactor?.start();

  const metrics = new MetricsRegistry();
  // The gauges etcd's dashboards and alerts read most, computed when scraped (nothing on the request path).
  metrics.gaugeFunc('etcd_server_has_leader', 'Whether a leader exists: 1 is yes, 0 is no.', () => (raft.leader !== 0n ? 1 : 0));
  metrics.gaugeFunc('etcd_server_is_leader', 'Whether this member is the leader: 1 is yes, 0 is no.', () => (raft.isLeader ? 1 : 0));
  metrics.gaugeFunc('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.', () => raft.commitIndex);
  metrics.gaugeFunc('etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.', () => raft.applied);
  metrics.gaugeFunc('etcd_server_proposals_pending', 'The current number of pending proposals to commit.', () => proposals.pending);
  metrics.gaugeFunc('etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.', () => mvcc.dbSize());
  metrics.gaugeFunc('etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.', () => mvcc.dbSizeInUse());
  metrics.gaugeFunc('etcd_debugging_mvcc_current_revision', 'The current revision of store.', () => mvcc.currentRevision);
  metrics.gaugeFunc('etcd_debugging_mvcc_compact_revision', 'The revision of the last compaction in store.', () => mvcc.compactRevision);
  const certificateNames = new CertificateNames();
  const grpcServer = createGrpcServer(server, {
    maxRequestBytes: cfg.maxRequestBytes,
    keepaliveMinTimeMs: cfg.grpcKeepaliveMinTime,
    keepaliveIntervalMs: cfg.grpcKeepaliveInterval,
    keepaliveTimeoutMs: cfg.grpcKeepaliveTimeout,
    clientCertAuth: cfg.clientCertAuth,
    peerCommonName: (peer) => certificateNames.of(peer),
  });
  const http = buildHttpApp({
    health: () => server.health(),
    clusterVersion: () => CLUSTER_VERSION,
    metrics,
    bodyLimit: cfg.maxRequestBytes + 512 * 1024,
    cors: cfg.cors,
    hostWhitelist: cfg.hostWhitelist,
  });

  async function shutdown(): Promise<void> {
    stopping = true;
    clearInterval(publishTimer);
    if (autoPromote) clearInterval(autoPromote);
    leaseTimers.stop();
    autoCompactor?.stop();
    reads.close();
    proposals.close();
    await raft.stop();
    await transport.close();
    for (const c of peerClients.values()) c.close();
    watchable.close();
    await commitChain;
    await mvcc.commit(raft.applied);
    await mvcc.close();
    await log.close();
  }

  if (cfg.enableV2) registerV2(http, server);
  registerV3Gateway(http, server, { lock: new V3Lock(server), election: new V3Election(server) });
  if (process.env.TETCD_TEST_FAULTS === '1') registerFaultInjection(http, transport, logger);

  // Like etcd, serve clients once this member's name and client URLs are published through Raft (which also means
  // a quorum is reachable), so member list never shows it without its URLs. Unlike etcd, not forever: a member cut
  // off from its cluster still answers /health (false) and says "no leader" rather than leaving clients hanging.
  const publishDeadline = Date.now() + Math.max(5000, 5 * cfg.electionTimeout);
  while (!stopping && !isPublished() && Date.now() < publishDeadline) await new Promise((r) => setTimeout(r, 20));

  let listeners: ClientListeners;
  try {
    listeners = await listenClientUrls(cfg.listenClientUrls, grpcServer, http, clientTls, certificateNames, clientCertCheck(cfg, logger));
  } catch (err) {
    await shutdown();
    throw err;
  }
  logger.info(
    {
      name: cfg.name,
      memberId: memberId.toString(16),
      clusterId: membership.clusterId.toString(16),
      clientUrls: cfg.listenClientUrls,
      peerUrls: cfg.listenPeerUrls,
    },
    'serving client requests',
  );

  return {
    server,
    clientAddresses: listeners.addresses,
    stop: async () => {
      await listeners.close();
      grpcServer.forceShutdown();
      await http.close();
      await shutdown();
      logger.info({ name: cfg.name }, 'stopped');
    },
  };
}
