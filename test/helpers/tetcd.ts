// Test helpers that start real tetcd members (as child processes, the way users run them) and run real etcdctl.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The checkout's root, found from this file whether it runs from test/ (tsx) or dist/test/ (tsc). */
export const REPO_ROOT = ((): string => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'bin', 'tetcd'))) return dir;
  }
  throw new Error('cannot find the tetcd checkout above ' + __dirname);
})();

export const TETCD_BIN = path.join(REPO_ROOT, 'bin', 'tetcd');

/** A port that was free a moment ago on 127.0.0.1. */
/**
 * A port that is free now, for a server a test starts later. It is drawn below the kernel's ephemeral range
 * (32768-60999 on Linux): a port from that range can be taken as the local end of any outgoing connection (other
 * tests' clients, etcdctl) before the server binds it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export function tempDir(prefix = 'tetcd-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface SpawnedMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the member wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once /health answers 200 (a leader is known). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill9(): Promise<void>;
}

export interface SpawnOptions {
  name?: string;
  dataDir?: string;
  clientPort?: number;
  peerPort?: number;
  /** Extra flags, appended after the URL flags. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Replaces every generated flag (the test passes its own, e.g. only env vars). */
  rawArgs?: string[];
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export async function spawnTetcd(opts: SpawnOptions = {}): Promise<SpawnedMember> {
  return spawnMember(process.execPath, [TETCD_BIN], opts);
}

export const ETCD_BIN = '/usr/bin/etcd';

/** Starts real etcd 3.4 with the same flags spawnTetcd uses, so tests can compare the two servers' answers. */
export async function spawnEtcd(opts: SpawnOptions = {}): Promise<SpawnedMember> {
  return spawnMember(ETCD_BIN, [], opts);
}

async function spawnMember(command: string, leadingArgs: string[], opts: SpawnOptions): Promise<SpawnedMember> {
  const name = opts.name ?? 'default';
  const dataDir = opts.dataDir ?? tempDir();
  const clientPort = opts.clientPort ?? (await freePort());
  const peerPort = opts.peerPort ?? (await freePort());
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = opts.rawArgs ?? [
    '--name', name,
    '--data-dir', dataDir,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `${name}=${peerUrl}`,
    ...(opts.args ?? []),
  ];
  const proc = spawn(command, [...leadingArgs, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  const member: SpawnedMember = {
    name,
    clientUrl,
    peerUrl,
    dataDir,
    proc,
    output: () => out,
    waitHealthy: (timeoutMs = 15000) => waitHealthy(clientUrl, timeoutMs, () => proc.exitCode !== null, () => out),
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
  return member;
}

async function waitHealthy(url: string, timeoutMs: number, dead: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (dead()) throw new Error(`member exited before becoming healthy:\n${output()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`member at ${url} not healthy after ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const ETCDCTL = '/usr/bin/etcdctl';

/** Runs real etcdctl 3.4 (v3 API unless env says otherwise) against `endpoints`. */
export function etcdctl(endpoints: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return run(ETCDCTL, ['--endpoints', endpoints, ...args], {
    input: opts.input,
    env: { ETCDCTL_API: '3', ...opts.env },
  });
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that exits before reading its input must not fail the test with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** True when real etcdctl is installed (CI installs it; see .ci/run). */
export function haveEtcdctl(): boolean {
  return spawnSync(ETCDCTL, ['version'], { stdio: 'ignore' }).status === 0;
}

export interface RunningCommand {
  proc: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches `pattern`; rejects after `timeoutMs` with what was read. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM (or `signal`) and wait for exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a long-running etcdctl (e.g. watch) whose output the test reads while it runs. */
export function startEtcdctl(endpoints: string, args: string[]): RunningCommand {
  const proc = spawn(ETCDCTL, ['--endpoints', endpoints, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      running.delete(proc);
      resolve();
    }),
  );
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    waitFor: async (pattern, timeoutMs = 10000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`etcdctl output never matched ${pattern}:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

/** etcd's ID for a member bootstrapped from --initial-cluster: the first 8 bytes of sha1(sorted peer URLs + token). */
export function bootstrapMemberId(peerUrls: string[], token: string): string {
  const h = createHash('sha1');
  for (const url of [...peerUrls].sort()) h.update(url);
  h.update(token);
  return h.digest().readBigUInt64BE(0).toString(16);
}

/** One member of a cluster started by spawnCluster; it can be stopped and started again on its data dir. */
export interface ClusterMember {
  name: string;
  /** The member ID in etcd's hex form. */
  id: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  /** The flags it runs with (restarts reuse them). */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The running process, if any. */
  current?: SpawnedMember;
  running(): boolean;
  /** Output of every run of this member, oldest first. */
  output(): string;
  /** Starts it again (on the same data dir and flags, plus `extraArgs`); does not wait for health. */
  start(extraArgs?: string[]): Promise<void>;
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
  waitHealthy(timeoutMs?: number): Promise<void>;
}

export interface ClusterOptions {
  /** Member names; defaults to m1..mN. */
  names?: string[];
  token?: string;
  /** Flags every member gets after the generated ones. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  heartbeatMs?: number;
  electionMs?: number;
  /** Run real etcd 3.4 instead of tetcd, to compare behaviours. */
  server?: 'tetcd' | 'etcd';
  /** Names of the members to start (and wait for); the others are only prepared. Defaults to all. */
  startOnly?: string[];
}

export interface TetcdCluster {
  members: ClusterMember[];
  token: string;
  /** The --initial-cluster value the members were started with. */
  initialCluster: string;
  /** Every member's client URL, comma separated (for etcdctl --endpoints). */
  endpoints(): string;
  byId(hexId: string): ClusterMember;
  /** Waits until every running member answers /health with 200. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops (SIGKILL) every member and removes the data dirs. */
  destroy(): Promise<void>;
}

/** Options for clusterMember: the flags are exactly those given (no generated ones). */
interface MemberSpec {
  name: string;
  id: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Which server runs the member: tetcd (default) or real etcd 3.4, for comparisons. */
  server?: 'tetcd' | 'etcd';
}

/** Wraps a member's flags into a restartable handle. */
export function clusterMember(spec: MemberSpec): ClusterMember {
  const runs: SpawnedMember[] = [];
  // A member dying while no test asked it to is the first thing to know when a cluster test fails.
  let exitExpected = false;
  const member: ClusterMember = {
    ...spec,
    running: () => member.current !== undefined && member.current.proc.exitCode === null && member.current.proc.signalCode === null,
    output: () => runs.map((r) => r.output()).join('\n----- restart -----\n'),
    start: async (extraArgs = []) => {
      if (member.running()) throw new Error(`member ${spec.name} is already running`);
      const spawnServer = spec.server === 'etcd' ? spawnEtcd : spawnTetcd;
      member.current = await spawnServer({
        name: spec.name,
        dataDir: spec.dataDir,
        clientPort: Number(new URL(spec.clientUrl).port),
        peerPort: Number(new URL(spec.peerUrl).port),
        rawArgs: [...spec.args, ...extraArgs],
        env: spec.env,
      });
      exitExpected = false;
      const run = member.current;
      run.proc.once('exit', (code, signal) => {
        if (exitExpected) return;
        const tail = run.output().slice(-3000);
        process.stderr.write(`[cluster] member ${spec.name} exited on its own (code ${code}, signal ${signal}); its last output:\n${tail}\n`);
      });
      runs.push(run);
    },
    stop: async () => {
      exitExpected = true;
      return member.current ? member.current.stop() : null;
    },
    kill9: async () => {
      exitExpected = true;
      if (member.current) await member.current.kill9();
    },
    waitHealthy: (timeoutMs = 15000) =>
      waitHealthy(spec.clientUrl, timeoutMs, () => !member.running(), () => member.output()),
  };
  return member;
}

/**
 * Starts an n-member tetcd cluster on loopback (free ports, one temp data dir each, its own cluster token, fast
 * heartbeat/election, TETCD_TEST_FAULTS=1 so isolate() works) and waits until every started member reports healthy.
 */
export async function spawnCluster(n: number, opts: ClusterOptions = {}): Promise<TetcdCluster> {
  const names = opts.names ?? Array.from({ length: n }, (_, i) => `m${i + 1}`);
  const token = opts.token ?? `tetcd-test-${process.pid}-${Date.now()}`;
  const ports: Array<{ client: number; peer: number }> = [];
  const taken = new Set<number>();
  const pick = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  for (let i = 0; i < n; i++) ports.push({ client: await pick(), peer: await pick() });
  const peerUrls = ports.map((p) => `http://127.0.0.1:${p.peer}`);
  const initialCluster = names.map((name, i) => `${name}=${peerUrls[i]}`).join(',');
  const members = names.map((name, i) => {
    const clientUrl = `http://127.0.0.1:${ports[i].client}`;
    const dataDir = tempDir(`tetcd-cluster-${name}-`);
    return clusterMember({
      name,
      id: bootstrapMemberId([peerUrls[i]], token),
      clientUrl,
      peerUrl: peerUrls[i],
      dataDir,
      server: opts.server,
      env: { TETCD_TEST_FAULTS: '1', ...opts.env },
      args: [
        '--name', name,
        '--data-dir', dataDir,
        '--listen-client-urls', clientUrl,
        '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrls[i],
        '--initial-advertise-peer-urls', peerUrls[i],
        '--initial-cluster', initialCluster,
        '--initial-cluster-token', token,
        '--initial-cluster-state', 'new',
        '--heartbeat-interval', String(opts.heartbeatMs ?? 50),
        '--election-timeout', String(opts.electionMs ?? 500),
        ...(opts.args ?? []),
      ],
    });
  });
  const cluster = clusterOf(members, token, initialCluster);
  try {
    for (const m of members) if (!opts.startOnly || opts.startOnly.includes(m.name)) await m.start();
    await cluster.waitHealthy(30000);
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}

/** Groups members already described by clusterMember into a TetcdCluster. */
export function clusterOf(members: ClusterMember[], token: string, initialCluster: string): TetcdCluster {
  return {
    members,
    token,
    initialCluster,
    endpoints: () => members.map((m) => m.clientUrl).join(','),
    byId: (hexId) => {
      const m = members.find((x) => x.id === hexId);
      if (!m) throw new Error(`no member with ID ${hexId}`);
      return m;
    },
    waitHealthy: async (timeoutMs = 15000) => {
      await Promise.all(members.filter((m) => m.running()).map((m) => m.waitHealthy(timeoutMs)));
    },
    destroy: async () => {
      await Promise.all(members.map((m) => m.kill9()));
      for (const m of members) fs.rmSync(m.dataDir, { recursive: true, force: true });
    },
  };
}

/** Cuts (or, with an empty list, heals) Raft traffic between `member` and the given peers, both ways. */
export async function isolate(member: Pick<ClusterMember, 'clientUrl'>, peersHexIds: string[]): Promise<void> {
  const res = await fetch(`${member.clientUrl}/debug/tetcd/isolate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ peers: peersHexIds }),
  });
  if (res.status !== 200) throw new Error(`isolate on ${member.clientUrl} answered ${res.status}: ${await res.text()}`);
}
