import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/tetcd';

// From source (tsx) run the TypeScript entry; from the compiled tree run bin/tetcd as users do.
const fromSource = __filename.endsWith('.ts');
const repo = path.resolve(__dirname, fromSource ? '../..' : '../../..');
const command = fromSource ? ['--import', 'tsx', path.join(repo, 'src/cli/tetcd.ts')] : [path.join(repo, 'bin/tetcd')];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(process.execPath, [...command, ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Result>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const run = (args: string[], env?: NodeJS.ProcessEnv) => start(args, env).done;

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-cli-'));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('tetcd command', () => {
  it('prints its version on stdout and exits 0', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^tetcd Version: \S+\netcd Version: 3\.4\.23\nAPI Version: 3\.4\n/);
  });

  it('exits 2 on an unknown flag with the reason on stderr', async () => {
    const r = await run(['--foo']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /flag provided but not defined: -foo/);
    assert.equal(r.stdout, '');
  });

  it('exits 1 on an invalid ETCD_ variable', async () => {
    const r = await run([], { ETCD_HEARTBEAT_INTERVAL: 'abc' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid value "abc" for ETCD_HEARTBEAT_INTERVAL/);
  });

  it('exits 1 when the data directory is unusable', async () => {
    const file = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(file, '');
    const r = await run(['--data-dir', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot use directory/);
  });

  it('exits 1 when a fresh member is missing from --initial-cluster', async () => {
    const r = await run(['--name=a', '--data-dir', path.join(tmp, 'fresh'), '--initial-cluster=b=http://127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /couldn't find local name \\"a\\" in the initial cluster configuration/);
  });

  it('serves its client URL and exits 0 on SIGTERM', async () => {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const client = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const { child, done } = start([
      `--data-dir=${path.join(tmp, 'served')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
    ]);
    try {
      let version = '';
      for (let i = 0; i < 100 && version === ''; i++) {
        try {
          version = await (await fetch(`${client}/version`)).text();
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.match(version, /"etcdserver":"3\.4\.23"/);
    } finally {
      child.kill('SIGTERM');
    }
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /"msg":"starting tetcd"/);
  });
});
