/**
 * Starts and stops etcd and tetcd clusters on loopback for benchmarking: free ports, temporary data directories, the
 * same etcd flags for both, and a registry of every child so that nothing outlives the benchmark.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { credentials, Metadata } from "@grpc/grpc-js";
import { MaintenanceClient, type StatusResponse } from "../src/gen/etcdserverpb/rpc";
import { methodHeaders, GrpcConnection, UnaryCaller } from "./h2-grpc";
import { encodeRange, frameMessage } from "./requests";

export type ServerKind = "etcd" | "tetcd";

const ETCD_BINARY = "/usr/bin/etcd";

/** The repository root, found from this file whether it runs from bench/ (tsx) or dist/bench/ (compiled). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root");
    dir = parent;
  }
  return dir;
}

/** The executable and leading arguments for a server, or a reason why it cannot be started here. */
export function serverCommand(kind: ServerKind): { command: string; args: string[] } | { unavailable: string } {
  if (kind === "etcd") {
    return existsSync(ETCD_BINARY) ? { command: ETCD_BINARY, args: [] } : { unavailable: `${ETCD_BINARY} not found` };
  }
  const root = repoRoot();
  if (!existsSync(path.join(root, "dist/src/cli/tetcd.js"))) return { unavailable: "dist/src/cli/tetcd.js not built" };
  return { command: process.execPath, args: [path.join(root, "bin/tetcd")] };
}

/** Asks the OS for currently free loopback ports (they could be taken again before use, which startup would reveal). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export interface MemberSpec {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
}

/** etcd's own flags; tetcd is expected to accept exactly the same ones. */
export function memberFlags(member: MemberSpec, initialCluster: string, token: string): string[] {
  return [
    "--name", member.name,
    "--data-dir", member.dataDir,
    "--listen-client-urls", member.clientUrl,
    "--advertise-client-urls", member.clientUrl,
    "--listen-peer-urls", member.peerUrl,
    "--initial-advertise-peer-urls", member.peerUrl,
    "--initial-cluster", initialCluster,
    "--initial-cluster-token", token,
    "--initial-cluster-state", "new",
    // etcd 3.4 serves the v2 API only on request; the v2 rows of `npm run bench` need it.
    "--enable-v2",
  ];
}

/** Every server started and not yet stopped, for emergency cleanup. */
const live = new Set<ChildProcess>();

/** Kills every server this process started, synchronously, for use in exit and signal handlers. */
export function killAllServers(): void {
  for (const child of live) {
    try {
      child.kill("SIGCONT"); // a paused process must run to die cleanly; SIGKILL works either way
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

interface Member {
  spec: MemberSpec;
  child: ChildProcess;
  logFile: string;
  exited: Promise<void>;
}

export interface Cluster {
  kind: ServerKind;
  /** Client endpoints as host:port. */
  endpoints: string[];
  pids(): number[];
  /** The leader's client endpoint (the first endpoint if the server does not answer Maintenance.Status). */
  leaderEndpoint(): Promise<string>;
  /** Freezes the processes (SIGSTOP) so that an idle cluster takes no CPU from the one being measured. */
  pause(): void;
  /** Resumes the processes and waits until the cluster serves linearizable reads again. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where data directories and logs go; a fresh temporary directory by default. */
  workDir?: string;
  startTimeoutMs?: number;
}

export async function startCluster(kind: ServerKind, size: number, options: StartOptions = {}): Promise<Cluster> {
  const command = serverCommand(kind);
  if ("unavailable" in command) throw new Error(`cannot start ${kind}: ${command.unavailable}`);
  const workDir = options.workDir ?? mkdtempSync(path.join(os.tmpdir(), `bench-${kind}-`));
  const ports = await freePorts(2 * size);
  const specs: MemberSpec[] = Array.from({ length: size }, (_, i) => ({
    name: `${kind}${i}`,
    clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
    peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
    dataDir: path.join(workDir, `${kind}${i}.data`),
  }));
  const initialCluster = specs.map((spec) => `${spec.name}=${spec.peerUrl}`).join(",");
  const token = `bench-${kind}-${path.basename(workDir)}`;
  const members: Member[] = specs.map((spec) => {
    const logFile = path.join(workDir, `${spec.name}.log`);
    const log = openSync(logFile, "a");
    const child = spawn(command.command, [...command.args, ...memberFlags(spec, initialCluster, token)], {
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    live.add(child);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    exited.then(() => live.delete(child));
    return { spec, child, logFile, exited };
  });
  const endpoints = specs.map((spec) => spec.clientUrl.replace("http://", ""));

  const stop = async (): Promise<void> => {
    for (const member of members) {
      member.child.kill("SIGCONT");
      member.child.kill("SIGTERM");
    }
    await Promise.all(
      members.map((member) =>
        Promise.race([member.exited, delay(5_000).then(() => void member.child.kill("SIGKILL"))]).then(
          () => member.exited,
        ),
      ),
    );
    if (options.workDir === undefined) rmSync(workDir, { recursive: true, force: true });
  };

  const waitReady = async (): Promise<void> => {
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    await Promise.all(
      members.map((member, i) =>
        Promise.race([
          waitServing(endpoints[i], timeoutMs),
          member.exited.then(() => {
            const { exitCode, signalCode } = member.child;
            throw new Error(
              `${member.spec.name} exited (code ${exitCode}, signal ${signalCode}); log tail:\n${logTail(member.logFile)}`,
            );
          }),
        ]),
      ),
    );
  };

  try {
    await waitReady();
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    kind,
    endpoints,
    pids: () => members.flatMap((member) => (member.child.pid === undefined ? [] : [member.child.pid])),
    leaderEndpoint: () => findLeader(endpoints),
    pause: () => {
      for (const member of members) member.child.kill("SIGSTOP");
    },
    resume: async () => {
      for (const member of members) member.child.kill("SIGCONT");
      await waitReady();
    },
    stop,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function logTail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}

const ATTEMPT_TIMEOUT_MS = 2_000;
/** gRPC UNKNOWN and UNIMPLEMENTED. */
const FATAL_STATUSES = new Set([2, 12]);

/** Polls with a linearizable Range, which succeeds only once the member has joined a cluster with a leader. */
async function waitServing(endpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const headers = methodHeaders("/etcdserverpb.KV/Range");
  const request = frameMessage(encodeRange(Buffer.from("bench/ready"), "l"));
  let lastProblem = "no answer";
  while (Date.now() < deadline) {
    let connection: GrpcConnection | undefined;
    try {
      connection = await GrpcConnection.open(endpoint, 1_000);
      const open = connection;
      // A member without a leader may hold the read; dropping the connection ends the attempt.
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        open.session.destroy();
      }, ATTEMPT_TIMEOUT_MS);
      const [status, message] = await new Promise<[number, string]>((resolve) =>
        new UnaryCaller(open, (code, text) => resolve([code, text])).call(headers, request),
      ).finally(() => clearTimeout(timer));
      if (status === 0) return;
      lastProblem = timedOut ? `no answer within ${ATTEMPT_TIMEOUT_MS} ms` : `gRPC status ${status}: ${message}`;
      // The server answered with a bug, not with "not ready yet": waiting longer will not help.
      if (!timedOut && FATAL_STATUSES.has(status)) break;
    } catch (error) {
      lastProblem = (error as Error).message;
    } finally {
      connection?.close();
    }
    await delay(200);
  }
  throw new Error(`${endpoint} did not become ready (${lastProblem})`);
}

async function findLeader(endpoints: string[]): Promise<string> {
  if (endpoints.length === 1) return endpoints[0];
  const statuses = await Promise.all(endpoints.map((endpoint) => memberStatus(endpoint).catch(() => undefined)));
  const index = statuses.findIndex(
    (status) => status !== undefined && status.header !== undefined && status.header.memberId === status.leader,
  );
  return endpoints[index < 0 ? 0 : index];
}

function memberStatus(endpoint: string): Promise<StatusResponse> {
  const client = new MaintenanceClient(endpoint, credentials.createInsecure());
  return new Promise<StatusResponse>((resolve, reject) => {
    const deadline = { deadline: Date.now() + 2_000 };
    client.status({}, new Metadata(), deadline, (error, response) => (error ? reject(error) : resolve(response)));
  }).finally(() => client.close());
}
