// The seed document's walkthrough (docs: /work/shared/seed): a three-member cluster configured only through the
// ETCD_* variables of /etc/etcd/etcd.conf, then the etcdctl (v2) and curl commands it runs, each on the member it
// runs them on. The same session drives tetcd and real etcd 3.4 so their transcripts can be compared.
import { spawn } from 'node:child_process';
import { bootstrapMemberId, clusterMember, clusterOf, ETCDCTL, freePort, run, tempDir, type CommandResult, type TetcdCluster } from '../helpers/tetcd';

export type SeedHost = 'master' | 'node1' | 'node2';
export const SEED_HOSTS: SeedHost[] = ['master', 'node1', 'node2'];
export const SEED_TOKEN = 'etcd-cluster';

/** Where a seed member listens: its own loopback address stands in for the seed's 192.168.x address. */
export interface SeedAddress {
  host: SeedHost;
  /** The "LAN" address (127.0.0.2..4), advertised to clients and peers. */
  ip: string;
  clientPort: number;
  peerPort: number;
  /** What `etcdctl` and `curl http://127.0.0.1:2379` on that host reach. */
  localUrl: string;
  advertisedClientUrl: string;
  peerUrl: string;
}

export async function seedAddresses(): Promise<SeedAddress[]> {
  const taken = new Set<number>();
  const pick = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const out: SeedAddress[] = [];
  for (const [i, host] of SEED_HOSTS.entries()) {
    const ip = `127.0.0.${i + 2}`;
    const clientPort = await pick();
    const peerPort = await pick();
    out.push({
      host,
      ip,
      clientPort,
      peerPort,
      localUrl: `http://127.0.0.1:${clientPort}`,
      advertisedClientUrl: `http://${ip}:${clientPort}`,
      peerUrl: `http://${ip}:${peerPort}`,
    });
  }
  return out;
}

/** etcd.conf for one host, as the seed writes it (uncommented lines only), plus ETCD_ENABLE_V2 for real etcd 3.4. */
export function seedEnvironment(addr: SeedAddress, all: SeedAddress[], dataDir: string): NodeJS.ProcessEnv {
  return {
    ETCD_DATA_DIR: dataDir,
    ETCD_LISTEN_PEER_URLS: addr.peerUrl,
    ETCD_LISTEN_CLIENT_URLS: `${addr.advertisedClientUrl},${addr.localUrl}`,
    ETCD_NAME: addr.host,
    ETCD_INITIAL_ADVERTISE_PEER_URLS: addr.peerUrl,
    ETCD_ADVERTISE_CLIENT_URLS: addr.advertisedClientUrl,
    ETCD_INITIAL_CLUSTER: all.map((a) => `${a.host}=${a.peerUrl}`).join(','),
    ETCD_INITIAL_CLUSTER_TOKEN: SEED_TOKEN,
    ETCD_INITIAL_CLUSTER_STATE: 'new',
    // The seed's yum package (etcd 3.3) serves v2 by default; 3.4 needs it switched on. tetcd always serves it.
    ETCD_ENABLE_V2: 'true',
  };
}

export interface SeedCluster {
  cluster: TetcdCluster;
  addresses: SeedAddress[];
  /** Hex member ID → host name, as the members report them. */
  memberIds: Map<string, SeedHost>;
  at(host: SeedHost): SeedAddress;
}

/** Starts the three seed members from environment variables only (no flags) and waits until all are healthy. */
export async function startSeedCluster(server: 'tetcd' | 'etcd'): Promise<SeedCluster> {
  const addresses = await seedAddresses();
  const members = addresses.map((addr) => {
    const dataDir = tempDir(`seed-${server}-${addr.host}-`);
    return clusterMember({
      name: addr.host,
      id: bootstrapMemberId([addr.peerUrl], SEED_TOKEN),
      clientUrl: addr.localUrl,
      peerUrl: addr.peerUrl,
      dataDir,
      args: [],
      env: seedEnvironment(addr, addresses, dataDir),
      server,
    });
  });
  const cluster = clusterOf(members, SEED_TOKEN, addresses.map((a) => `${a.host}=${a.peerUrl}`).join(','));
  const seed: SeedCluster = {
    cluster,
    addresses,
    memberIds: new Map(),
    at: (host) => {
      const found = addresses.find((a) => a.host === host);
      if (!found) throw new Error(`no seed host ${host}`);
      return found;
    },
  };
  try {
    for (const m of members) await m.start();
    await cluster.waitHealthy(30000);
    seed.memberIds = await waitPublished(seed);
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return seed;
}

/** `etcdctl <args>` typed on `host`: the v2 API (Debian's 3.4 etcdctl defaults to v3) and the host's default endpoint. */
export function etcdctlOn(seed: SeedCluster, host: SeedHost, args: string[]): Promise<CommandResult> {
  return run(ETCDCTL, ['--endpoints', seed.at(host).localUrl, ...args], { env: { ETCDCTL_API: '2' }, timeoutMs: 20000 });
}

/** A long-running etcdctl (watch, exec-watch) on `host`; `exited` resolves with its result when it ends. */
export interface BackgroundCommand {
  stdout(): string;
  exited: Promise<CommandResult>;
  /** Resolves once stdout matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(): void;
}

export function startEtcdctlOn(seed: SeedCluster, host: SeedHost, args: string[]): BackgroundCommand {
  const child = spawn(ETCDCTL, ['--endpoints', seed.at(host).localUrl, ...args], {
    env: { ...process.env, ETCDCTL_API: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<CommandResult>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return {
    stdout: () => stdout,
    exited,
    waitFor: async (pattern, timeoutMs = 10000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline) throw new Error(`etcdctl ${args.join(' ')} never printed ${pattern}:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** `curl <args>` typed on any host; the URL's host is a seed host name, rewritten to where that member listens. */
export function curlOn(seed: SeedCluster, urlHost: SeedHost | 'localhost-of-master', path: string, extra: string[] = []): Promise<CommandResult> {
  const base = urlHost === 'localhost-of-master' ? seed.at('master').localUrl : seed.at(urlHost).advertisedClientUrl;
  // -s only silences the progress meter curl prints to stderr when its output is a pipe; -w appends the status.
  return run('curl', ['-s', '-w', '\n[HTTP %{http_code}]', `${base}${path}`, ...extra], { timeoutMs: 20000 });
}

/** Waits until the members together hold `count` v2 watchers (etcdctl prints nothing when its watch is in place). */
export async function waitForWatchers(seed: SeedCluster, count: number, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let total = 0;
    for (const a of seed.addresses) {
      const stats = (await (await fetch(`${a.localUrl}/v2/stats/store`)).json()) as { watchers: number };
      total += stats.watchers;
    }
    if (total >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${total} of ${count} v2 watchers registered after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * etcd serves clients only once the member's name and client URLs are committed, so `member list` never shows a
 * member without client URLs; tetcd may answer /health earlier. Waiting here keeps the walkthrough about the v2
 * commands rather than that startup difference (reported separately).
 */
export async function waitPublished(seed: SeedCluster, timeoutMs = 15000): Promise<Map<string, SeedHost>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = new Map<string, SeedHost>();
    let complete = true;
    for (const a of seed.addresses) {
      const body = (await (await fetch(`${a.localUrl}/v2/members`)).json()) as { members: Array<{ id: string; name: string; clientURLs: string[] }> };
      for (const m of body.members) {
        if (m.clientURLs.length === 0 || !SEED_HOSTS.includes(m.name as SeedHost)) complete = false;
        else ids.set(m.id, m.name as SeedHost);
      }
    }
    if (complete && ids.size === SEED_HOSTS.length) return ids;
    if (Date.now() > deadline) throw new Error(`members did not all publish their client URLs within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One command of the walkthrough and what it printed. */
export interface TranscriptEntry {
  host: SeedHost;
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the seed's commands in the seed's order, each on the host the seed runs it on, and returns the transcript.
 * `rmdir testdir` fails (testdir still holds test1 and test2), as the seed warns it would. Two additions: the seed
 * removed hello before its watch/update demo, so hello is set again first (an update of a missing key only fails,
 * which the extra session checks), and a final PUT of an existing key shows the prevNode the seed's comment means.
 */
export async function runSeedSession(seed: SeedCluster): Promise<TranscriptEntry[]> {
  const transcript: TranscriptEntry[] = [];
  const record = (host: SeedHost, command: string, result: CommandResult): CommandResult => {
    transcript.push({ host, command, code: result.code, stdout: result.stdout, stderr: result.stderr });
    return result;
  };
  const ctl = async (host: SeedHost, ...args: string[]): Promise<CommandResult> =>
    record(host, `etcdctl ${args.join(' ')}`, await etcdctlOn(seed, host, args));

  await ctl('master', 'member', 'list');
  await ctl('node2', 'set', 'hello', 'world');
  await ctl('master', 'get', 'hello');
  await ctl('node1', 'get', 'hello');
  await ctl('master', 'cluster-health');
  record('master', 'curl http://node1:2379/health', await curlOn(seed, 'node1', '/health'));
  await ctl('master', 'rm', 'hello');
  await ctl('master', 'mkdir', 'testdir');
  await ctl('master', 'set', 'testdir/test1', 'test1');
  await ctl('master', 'set', 'testdir/test2', 'test2');
  await ctl('node2', 'ls', 'testdir');
  await ctl('node2', 'rmdir', 'testdir');

  await ctl('master', 'set', 'hello', 'world');
  const watch = startEtcdctlOn(seed, 'node2', ['watch', 'hello']);
  try {
    // Without --after-index the watch starts from whatever is current when it arrives: update only once it waits.
    await waitForWatchers(seed, 1);
    await ctl('master', 'update', 'hello', 'shijie');
    let timer: NodeJS.Timeout | undefined;
    const watched = await Promise.race([
      watch.exited,
      new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`watch did not exit: ${watch.stdout()}`)), 15000);
      }),
    ]).finally(() => clearTimeout(timer));
    record('node2', 'etcdctl watch hello', watched);
  } finally {
    watch.kill();
  }

  const keyUrl = '/v2/keys/message';
  record('master', `curl ${keyUrl} -XPUT -d value="Hello world"`, await curlOn(seed, 'localhost-of-master', keyUrl, ['-XPUT', '-d', 'value=Hello world']));
  record('master', `curl ${keyUrl} -XDELETE`, await curlOn(seed, 'localhost-of-master', keyUrl, ['-XDELETE']));
  record('master', `curl ${keyUrl}`, await curlOn(seed, 'localhost-of-master', keyUrl));
  record('master', `curl ${keyUrl} -XPUT -d value="Hello etcd"`, await curlOn(seed, 'localhost-of-master', keyUrl, ['-XPUT', '-d', 'value=Hello etcd']));
  // The seed's comment promises the previous value in the answer: that needs the key to exist, so update it once more.
  record('master', `curl ${keyUrl} -XPUT -d value="Hello etcd" (again)`, await curlOn(seed, 'localhost-of-master', keyUrl, ['-XPUT', '-d', 'value=Hello etcd']));
  return transcript;
}

/** Member IDs (hex), ports, indexes and times differ between runs and servers; everything else must not. */
export function normaliseTranscript(seed: SeedCluster, entries: TranscriptEntry[]): TranscriptEntry[] {
  const indexTokens = new Map<string, string>();
  const index = (n: string): string => {
    let t = indexTokens.get(n);
    if (t === undefined) {
      t = `#${indexTokens.size + 1}`;
      indexTokens.set(n, t);
    }
    return t;
  };
  const text = (s: string): string => {
    let out = s;
    for (const [id, host] of seed.memberIds) out = out.replaceAll(id, `<id:${host}>`);
    for (const a of seed.addresses) {
      out = out
        .replaceAll(`${a.ip}:${a.clientPort}`, `<${a.host}>:2379`)
        .replaceAll(`${a.ip}:${a.peerPort}`, `<${a.host}>:2380`)
        .replaceAll(`127.0.0.1:${a.clientPort}`, `127.0.0.1:2379<${a.host}>`);
    }
    return out
      .replace(/"(modifiedIndex|createdIndex|index)":(\d+)/g, (_m, field: string, n: string) => `"${field}":"${index(n)}"`)
      .replace(/\[(\d+)\]$/gm, (_m, n: string) => `[${index(n)}]`)
      .replace(/^(Created-Index|Modified-Index|Index): (\d+)$/gm, (_m, field: string, n: string) => `${field}: ${index(n)}`)
      .replace(/\[(\w+) != (\d+)\]/g, (_m, given: string, n: string) => `[${given} != ${index(n)}]`)
      .replace(/\[(\d+)\/(\d+)\]/g, '[<n>/<n>]');
  };
  return entries.map((e) => ({ ...e, stdout: text(e.stdout), stderr: text(e.stderr) }));
}

/** Two v2 writes are never more than this many indexes apart in etcd's event history (v2store's window). */
const V2_HISTORY = 1000;

/**
 * The v2 etcdctl features the seed does not show, run the same way: writes and reads from every member, TTL
 * expiry, compare-and-swap by value and by index, update of a missing key, exec-watch, and a watch from an index
 * the history no longer holds.
 */
export async function runExtraSession(seed: SeedCluster): Promise<TranscriptEntry[]> {
  const transcript: TranscriptEntry[] = [];
  const ctl = async (host: SeedHost, ...args: string[]): Promise<CommandResult> => {
    const result = await etcdctlOn(seed, host, args);
    transcript.push({ host, command: `etcdctl ${args.join(' ')}`, code: result.code, stdout: result.stdout, stderr: result.stderr });
    return result;
  };

  for (const writer of SEED_HOSTS) {
    await ctl(writer, 'set', `from-${writer}`, `written-on-${writer}`);
    for (const reader of SEED_HOSTS) await ctl(reader, 'get', `from-${writer}`);
  }

  await ctl('node1', 'set', '--ttl', '1', 'ttlkey', 'short-lived');
  await ctl('node2', 'get', 'ttlkey');
  // v2 expires keys on the leader's clock (etcd checks every 500 ms): poll, and record only the first miss.
  const deadline = Date.now() + 10000;
  for (;;) {
    const got = await etcdctlOn(seed, 'master', ['get', 'ttlkey']);
    if (got.code !== 0 || Date.now() > deadline) {
      transcript.push({ host: 'master', command: 'etcdctl get ttlkey (expired)', code: got.code, stdout: got.stdout, stderr: got.stderr });
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  await ctl('master', 'set', 'swapkey', 'one');
  await ctl('node1', 'set', '--swap-with-value', 'wrong', 'swapkey', 'two');
  await ctl('node1', 'set', '--swap-with-value', 'one', 'swapkey', 'two');
  const extended = await ctl('node2', '-o', 'extended', 'get', 'swapkey');
  const modified = /^Modified-Index: (\d+)$/m.exec(extended.stdout)?.[1] ?? 'missing';
  await ctl('node2', 'set', '--swap-with-index', '1', 'swapkey', 'three');
  const swapped = await etcdctlOn(seed, 'node2', ['set', '--swap-with-index', modified, 'swapkey', 'three']);
  transcript.push({ host: 'node2', command: 'etcdctl set --swap-with-index <Modified-Index> swapkey three', ...swapped });
  await ctl('master', 'get', 'swapkey');
  await ctl('master', 'update', 'nokey', 'x');

  // etcdctl 3.4 loses the "--" separator to its flag parser and then takes the last argument as the key.
  const execWatch = startEtcdctlOn(seed, 'node1', ['exec-watch', 'sh', '-c', 'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY $ETCD_WATCH_VALUE"', 'ewkey']);
  try {
    await waitForWatchers(seed, 1);
    await ctl('master', 'set', 'ewkey', 'fired');
    await execWatch.waitFor(/\n/);
    transcript.push({ host: 'node1', command: 'etcdctl exec-watch sh -c ... ewkey', code: null, stdout: execWatch.stdout(), stderr: '' });
  } finally {
    execWatch.kill();
  }

  // Push index 1 out of the history window with v2 writes, then ask for what followed it.
  const keyUrl = `${seed.at('master').localUrl}/v2/keys/filler`;
  for (let done = 0; done < V2_HISTORY + 10; done += 25) {
    await Promise.all(
      Array.from({ length: 25 }, async (_x, i) => {
        const res = await fetch(keyUrl, { method: 'PUT', body: new URLSearchParams({ value: String(done + i) }) });
        if (res.status !== 200 && res.status !== 201) throw new Error(`filler write answered ${res.status}: ${await res.text()}`);
      }),
    );
  }
  await ctl('node2', 'watch', '--after-index', '1', 'hello');
  return transcript;
}
