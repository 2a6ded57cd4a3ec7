// What the cluster tests ask of a running cluster, through real etcdctl: who leads, what each member's status and
// HashKV are, and waiting for a condition with a deadline.
import assert from 'node:assert/strict';
import { etcdctl, type ClusterMember, type TetcdCluster } from '../helpers/tetcd';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something other than undefined; fails with `what` and the last error after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

/** Runs etcdctl and returns its stdout; a non-zero exit is an assertion failure that shows stderr. */
export async function ctl(endpoints: string, args: string[]): Promise<string> {
  const r = await etcdctl(endpoints, args);
  assert.equal(r.code, 0, `etcdctl ${args.join(' ')} against ${endpoints} failed: ${r.stderr}`);
  return r.stdout;
}

/** etcdctl's JSON prints 64-bit IDs as bare numbers; read them as hex strings (etcd's usual spelling) instead. */
export function parseJsonIds(text: string): any {
  return JSON.parse(text.replace(/"(ID|member_id|cluster_id|leader)":(\d+)/g, (_m, k: string, v: string) => `"${k}":"${BigInt(v).toString(16)}"`));
}

export interface MemberStatus {
  endpoint: string;
  memberId: string;
  leader: string;
  raftTerm: number;
  raftIndex: number;
  revision: number;
}

export async function endpointStatus(endpoints: string): Promise<MemberStatus[]> {
  const list = parseJsonIds(await ctl(endpoints, ['endpoint', 'status', '-w', 'json'])) as any[];
  return list.map((e) => ({
    endpoint: e.Endpoint,
    memberId: e.Status.header.member_id,
    leader: e.Status.leader ?? '0',
    raftTerm: Number(e.Status.raftTerm ?? 0),
    raftIndex: Number(e.Status.raftIndex ?? 0),
    revision: Number(e.Status.header.revision ?? 0),
  }));
}

/** The member every one of `members` names as leader, once they all agree on one that is among them. */
export async function agreedLeader(cluster: TetcdCluster, members = cluster.members.filter((m) => m.running())): Promise<ClusterMember> {
  const endpoints = members.map((m) => m.clientUrl).join(',');
  return waitFor(`members ${members.map((m) => m.name).join(',')} to agree on a leader`, async () => {
    const st = await endpointStatus(endpoints);
    const leaders = new Set(st.map((s) => s.leader));
    if (st.length !== members.length || leaders.size !== 1) return undefined;
    const [id] = leaders;
    return members.find((m) => m.id === id);
  });
}

export interface MemberHash {
  endpoint: string;
  memberId: string;
  hash: number;
  revision: number;
}

export async function hashKvs(endpoints: string): Promise<MemberHash[]> {
  const list = parseJsonIds(await ctl(endpoints, ['endpoint', 'hashkv', '-w', 'json'])) as any[];
  return list.map((e) => ({
    endpoint: e.Endpoint,
    memberId: e.HashKV.header.member_id,
    hash: Number(e.HashKV.hash),
    revision: Number(e.HashKV.header.revision ?? 0),
  }));
}

/** Waits until every given member reports the same revision and the same HashKV at it; returns that revision. */
export async function waitConverged(members: ClusterMember[], timeoutMs = 20000): Promise<number> {
  const endpoints = members.map((m) => m.clientUrl).join(',');
  let last: MemberHash[] = [];
  try {
    return await waitFor(
      'HashKV to agree',
      async () => {
        last = await hashKvs(endpoints);
        const revs = new Set(last.map((h) => h.revision));
        const hashes = new Set(last.map((h) => h.hash));
        return last.length === members.length && revs.size === 1 && hashes.size === 1 ? last[0].revision : undefined;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last answers: ${JSON.stringify(last)}`);
  }
}

/** A key's value as one member reads it (serializable reads answer from that member's own store). */
export async function getValue(member: ClusterMember, key: string, serializable = false): Promise<string | undefined> {
  const out = await ctl(member.clientUrl, ['get', key, '--print-value-only', ...(serializable ? ['--consistency=s'] : [])]);
  return out === '' ? undefined : out.replace(/\n$/, '');
}
