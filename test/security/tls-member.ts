// In-process tetcd members for the TLS tests, plus the clients the tests drive them with (real etcdctl 3.4,
// curl, and raw TLS connections to look at the certificate a server presents).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import pino from 'pino';
import { defaultConfig, type TetcdConfig } from '../../src/config/types';
import { startMember, type RunningMember } from '../../src/server/member';
import { run, type CommandResult } from '../helpers/tetcd';

export const silent = pino({ level: 'silent' });

export interface TestMember {
  member: RunningMember;
  dataDir: string;
  /** The first client URL with its bound port. */
  clientUrl: string;
  stop(): Promise<void>;
}

/** A single-member cluster on 127.0.0.1; `overrides` sets the TLS flags and may replace the URLs. */
export async function startSingle(overrides: Partial<TetcdConfig>): Promise<TestMember> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-tls-'));
  const cfg: TetcdConfig = {
    ...defaultConfig(),
    name: 'tls',
    dataDir,
    listenClientUrls: ['https://127.0.0.1:0'],
    advertiseClientUrls: ['https://127.0.0.1:2379'],
    listenPeerUrls: ['http://127.0.0.1:0'],
    initialAdvertisePeerUrls: ['http://127.0.0.1:2380'],
    initialCluster: 'tls=http://127.0.0.1:2380',
    ...overrides,
  };
  const member = await startMember(cfg, silent);
  for (let i = 0; i < 100 && member.server.leader() === 0n; i++) await sleep(20);
  const { url, port } = member.clientAddresses[0];
  return {
    member,
    dataDir,
    clientUrl: url.replace(/:0$/, `:${port}`),
    stop: async () => {
      await member.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface ClientCreds {
  cacert?: string;
  cert?: string;
  key?: string;
}

/** etcdctl 3.4 over the v3 gRPC API; short timeouts so refused connections fail fast. */
export function etcdctl(endpoint: string, creds: ClientCreds, args: string[]): Promise<CommandResult> {
  const flags = ['--endpoints', endpoint, '--dial-timeout', '2s', '--command-timeout', '3s'];
  if (creds.cacert) flags.push('--cacert', creds.cacert);
  if (creds.cert) flags.push('--cert', creds.cert);
  if (creds.key) flags.push('--key', creds.key);
  return run('/usr/bin/etcdctl', [...flags, ...args], { env: { ETCDCTL_API: '3' }, timeoutMs: 15000 });
}

/** curl over HTTP/1.1; `extra` goes before the URL. */
export function curl(url: string, creds: ClientCreds, extra: string[] = []): Promise<CommandResult> {
  const flags = ['-sS', '--max-time', '5', '--http1.1'];
  if (creds.cacert) flags.push('--cacert', creds.cacert);
  if (creds.cert) flags.push('--cert', creds.cert);
  if (creds.key) flags.push('--key', creds.key);
  return run('curl', [...flags, ...extra, url], { timeoutMs: 15000 });
}

/** Opens a new TLS connection and returns the SHA-256 fingerprint of the certificate the server presented. */
export function servedFingerprint(port: number, creds: { cert?: string; key?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      cert: creds.cert ? fs.readFileSync(creds.cert) : undefined,
      key: creds.key ? fs.readFileSync(creds.key) : undefined,
      ALPNProtocols: ['h2'],
    });
    socket.once('secureConnect', () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fp);
    });
    socket.once('error', reject);
  });
}

/** Replaces `dest` in one step, the way tools that rotate certificates do. */
export function replaceFile(src: string, dest: string): void {
  const tmp = `${dest}.tmp`;
  fs.copyFileSync(src, tmp);
  fs.renameSync(tmp, dest);
}
