// Runs the same etcdctl commands against a tetcd member and a real etcd 3.4 member and normalises what legitimately
// differs between two independent clusters (IDs, URLs, timings, log timestamps), so tests can compare the rest exactly.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { etcdctl, spawnEtcd, spawnTetcd, type CommandResult, type SpawnedMember } from './tetcd';

export interface Side {
  label: 'tetcd' | 'etcd';
  member: SpawnedMember;
  clusterId: bigint;
  memberId: bigint;
  /** Server-chosen values (lease IDs, ...) mapped to the placeholder that replaces them in normalised output. */
  aliases: Map<bigint, string>;
}

export interface Pair {
  tetcd: Side;
  etcd: Side;
  sides: [Side, Side];
  /** Stops both members and removes their data directories. */
  stop(): Promise<void>;
}

/** Starts one tetcd and one etcd member with the same extra flags and waits until both are healthy. */
export async function startPair(args: string[] = []): Promise<Pair> {
  const [t, e] = await Promise.all([spawnTetcd({ args }), spawnEtcd({ args })]);
  const stop = async (): Promise<void> => {
    await Promise.all([t.stop(), e.stop()]);
    for (const m of [t, e]) fs.rmSync(m.dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.all([t.waitHealthy(), e.waitHealthy()]);
    const [tetcd, etcd] = await Promise.all([describeSide('tetcd', t), describeSide('etcd', e)]);
    return { tetcd, etcd, sides: [tetcd, etcd], stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function describeSide(label: Side['label'], member: SpawnedMember): Promise<Side> {
  const r = await etcdctl(member.clientUrl, ['endpoint', 'status', '-w', 'json']);
  assert.equal(r.code, 0, `${label} endpoint status failed: ${r.stderr}`);
  return {
    label,
    member,
    clusterId: jsonUint(r.stdout, 'cluster_id'),
    memberId: jsonUint(r.stdout, 'member_id'),
    aliases: new Map(),
  };
}

/** Reads a uint64 field from etcdctl's JSON without losing precision (JSON.parse would round it). */
export function jsonUint(json: string, field: string): bigint {
  const m = new RegExp(`"${field}":(\\d+)`).exec(json);
  if (!m) throw new Error(`no "${field}" in ${json}`);
  return BigInt(m[1]);
}

/** Parses the hex lease ID from `lease grant` output and registers it as `<name>` for normalisation. */
export function registerLease(side: Side, grantStdout: string, name: string): string {
  const m = /^lease ([0-9a-f]+) granted with TTL/m.exec(grantStdout);
  if (!m) throw new Error(`${side.label}: unexpected lease grant output: ${grantStdout}`);
  side.aliases.set(BigInt('0x' + m[1]), name);
  return m[1];
}

export function normalise(side: Side, text: string): string {
  let out = text
    .replaceAll(side.member.clientUrl, '<client-url>')
    .replaceAll(side.member.peerUrl, '<peer-url>')
    .replace(/"ts":"[^"]*"/g, '"ts":"<ts>"')
    .replace(/"target":"[^"]*"/g, '"target":"<target>"')
    // Go prints measured durations like 4.939251ms; configured ones (TTL(60s)) have no fraction and stay.
    .replace(/\b\d+\.\d+(?:ns|µs|ms|s)\b/g, '<duration>');
  const names = new Map<bigint, string>([
    [side.clusterId, '<cluster-id>'],
    [side.memberId, '<member-id>'],
    ...side.aliases,
  ]);
  for (const [value, name] of names) {
    out = out.replace(new RegExp(`\\b(?:${value.toString(10)}|0*${value.toString(16)})\\b`, 'g'), name);
  }
  // Table columns are as wide as their widest cell, and the two servers' IDs differ in width.
  return out.replace(/-{2,}/g, '--').replace(/ {2,}/g, ' ');
}

export interface Args {
  (side: Side): string[];
}

/** Runs etcdctl with the same arguments (or per-side arguments) on both members at once; returns normalised results. */
export async function runBoth(pair: Pair, args: string[] | Args, input?: string): Promise<[CommandResult, CommandResult]> {
  const results = await Promise.all(
    pair.sides.map(async (side) => {
      const r = await etcdctl(side.member.clientUrl, typeof args === 'function' ? args(side) : args, { input });
      return { code: r.code, stdout: normalise(side, r.stdout), stderr: normalise(side, r.stderr) };
    }),
  );
  return [results[0], results[1]];
}

/** Runs a command on both members, asserts identical normalised results, and returns tetcd's. */
export async function assertSame(pair: Pair, args: string[] | Args, input?: string): Promise<CommandResult> {
  const [t, e] = await runBoth(pair, args, input);
  const shown = typeof args === 'function' ? args(pair.tetcd).join(' ') : args.join(' ');
  assert.deepEqual(t, e, `etcdctl ${shown}: tetcd (actual) differs from etcd (expected)`);
  return t;
}
