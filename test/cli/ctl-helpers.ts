// Helpers for the tetcdctl tests: run tetcdctl in-process (fast, output captured) or as a process (exit codes as
// users see them), and normalise what legitimately differs between two runs (revisions, lease IDs, timings).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { run as runCtl } from '../../src/cli/tetcdctl';
import type { CommandResult } from '../helpers/tetcd';
import { REPO_ROOT } from '../helpers/tetcd';

/** An environment without the caller's ETCDCTL_* settings, so tests see defaults. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCDCTL_')) env[k] = v;
  return { ...env, ...extra };
}

export interface InProcessRun {
  result: Promise<CommandResult>;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Simulates Ctrl-C for long-running commands (watch, lock, elect). */
  interrupt(): void;
}

export function startCtl(
  args: string[],
  opts: { input?: string; stdin?: Readable; env?: NodeJS.ProcessEnv } = {},
): InProcessRun {
  let stdout = '';
  let stderr = '';
  let interrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  const result = runCtl(args, {
    env: cleanEnv(opts.env),
    output: {
      out: (s) => (stdout += s),
      err: (s) => (stderr += s),
      // Decoded like the process helpers decode a child's stdout, so outputs compare equal.
      raw: (b) => (stdout += Buffer.from(b).toString()),
    },
    stdin: opts.stdin ?? Readable.from([Buffer.from(opts.input ?? '')]),
    interrupted,
  }).then((code) => ({ code, stdout, stderr }));
  return { result, stdout: () => stdout, interrupt };
}

/** Runs one tetcdctl command line in this process. */
export function ctl(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return startCtl(args, opts).result;
}

// From source (tsx) run the TypeScript entry; from the compiled tree run bin/tetcdctl as users do.
const fromSource = __filename.endsWith('.ts');
const ctlCommand = fromSource
  ? ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/tetcdctl.ts')]
  : [path.join(REPO_ROOT, 'bin/tetcdctl')];

/** Runs tetcdctl as its own process. */
export function ctlProcess(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...ctlCommand, ...args], { cwd: REPO_ROOT, env: cleanEnv(opts.env) });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
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

/** Drops etcdctl's client-side warning log lines (zap JSON) from its stderr. */
export function withoutClientLogs(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !l.startsWith('{"level":'))
    .join('\n');
}

/** Replaces values that change from one run to the next with placeholders. */
export function normalise(text: string): string {
  return text
    .replace(/"(revision|create_revision|mod_revision|raft_term|version|raftIndex|raftTerm|raftAppliedIndex|dbSize|dbSizeInUse|hash)":\d+/g, '"$1":N')
    .replace(/"(Revision|CreateRevision|ModRevision|PrevCreateRevision|PrevModRevision|RaftTerm|Version|PrevVersion)" : \d+/g, '"$1" : N')
    .replace(/\b[0-9a-f]{16}\b/g, 'ID')
    .replace(/"(ID|id)":\d+/g, '"$1":N')
    .replace(/"ID" : \d+/g, '"ID" : N')
    .replace(/took = [0-9.]+[µnm]?s/g, 'took = T')
    .replace(/"took":"[^"]*"/g, '"took":"T"')
    .replace(/remaining\(\d+s\)/g, 'remaining(Ns)')
    .replace(/"ttl":\d+/g, '"ttl":N');
}
