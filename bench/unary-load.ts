/**
 * Closed-loop unary load inside one process: each simulated client keeps exactly one request in flight and sends the
 * next as soon as the previous reply arrives, like etcd's benchmark tool.
 */
import type { OutgoingHttpHeaders } from "node:http2";
import { performance } from "node:perf_hooks";
import { GrpcConnection, methodHeaders, openConnections, UnaryCaller } from "./h2-grpc";
import { Histogram, type HistogramSnapshot } from "./histogram";
import { requestsFor, type RequestPool, type RequestShape, type UnaryOp } from "./requests";

export interface UnaryRunOptions extends RequestShape {
  op: UnaryOp;
  endpoints: string[];
  conns: number;
  clients: number;
  /** Stop after this many requests, or ... */
  total?: number;
  /** ... after this long; exactly one of the two must be set. */
  durationMs?: number;
  /** Where sequential keys start, so worker processes write disjoint ranges. */
  firstKey?: number;
  /** Index of the first connection in the global round-robin over endpoints. */
  firstConn?: number;
}

export interface UnaryRunResult {
  /** Successful requests. */
  requests: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  histogram: HistogramSnapshot;
  /** CPU time (user + system) this process spent during the run. */
  cpuMicros: number;
}

export interface PreparedRun {
  start(): Promise<UnaryRunResult>;
  close(): void;
}

class RunState {
  readonly histogram = new Histogram();
  issued = 0;
  errors = 0;
  firstError: string | undefined;
  deadline = Infinity;
  private running = 0;
  private onAllDone: () => void = () => {};

  constructor(
    readonly headers: OutgoingHttpHeaders,
    private readonly pool: RequestPool,
    private readonly total: number,
  ) {}

  /** The next request to send, or undefined once the run has reached its total or its deadline. */
  nextRequest(): Buffer | undefined {
    if (this.issued >= this.total || performance.now() >= this.deadline) return undefined;
    this.issued++;
    return this.pool.next();
  }

  recordError(status: number, message: string): void {
    this.errors++;
    this.firstError ??= `gRPC status ${status}: ${message}`;
  }

  begin(clients: number, onAllDone: () => void): void {
    this.running = clients;
    this.onAllDone = onAllDone;
  }

  clientFinished(): void {
    this.running--;
    if (this.running === 0) this.onAllDone();
  }
}

class LoadClient {
  private sentAt = 0;
  private readonly caller: UnaryCaller;

  constructor(
    private readonly state: RunState,
    connection: GrpcConnection,
  ) {
    this.caller = new UnaryCaller(connection, (status, message) => this.handleReply(status, message));
  }

  send(): void {
    const request = this.state.nextRequest();
    if (request === undefined) {
      this.state.clientFinished();
      return;
    }
    this.sentAt = performance.now();
    this.caller.call(this.state.headers, request);
  }

  private handleReply(status: number, message: string): void {
    if (status === 0) this.state.histogram.recordMillis(performance.now() - this.sentAt);
    else this.state.recordError(status, message);
    this.send();
  }
}

function checkOptions(options: UnaryRunOptions): void {
  if ((options.total === undefined) === (options.durationMs === undefined)) {
    throw new Error("give exactly one of --total and --duration");
  }
  if (options.conns < 1 || options.clients < 1) throw new Error("--conns and --clients must be at least 1");
}

/** Connects everything up front so that connection setup is not part of the measurement. */
export async function prepareUnaryRun(options: UnaryRunOptions): Promise<PreparedRun> {
  checkOptions(options);
  const { path, pool } = requestsFor(options.op, options, options.firstKey ?? 0);
  const connections = await openConnections(rotate(options.endpoints, options.firstConn ?? 0), options.conns);
  const state = new RunState(methodHeaders(path), pool, options.total ?? Infinity);
  const clients = Array.from(
    { length: options.clients },
    (_, i) => new LoadClient(state, connections[i % connections.length]),
  );

  return {
    start: () =>
      new Promise<UnaryRunResult>((resolve) => {
        const cpuBefore = process.cpuUsage();
        const startedAt = performance.now();
        if (options.durationMs !== undefined) state.deadline = startedAt + options.durationMs;
        state.begin(clients.length, () => {
          const elapsedMs = performance.now() - startedAt;
          const cpu = process.cpuUsage(cpuBefore);
          resolve({
            requests: state.histogram.count,
            errors: state.errors,
            firstError: state.firstError,
            elapsedMs,
            histogram: state.histogram.snapshot(),
            cpuMicros: cpu.user + cpu.system,
          });
        });
        for (const client of clients) client.send();
      }),
    close: () => {
      for (const connection of connections) connection.close();
    },
  };
}

function rotate<T>(items: T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
