// Test helpers that start real tetcd members (as child processes, the way users run them) and run real etcdctl.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
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
