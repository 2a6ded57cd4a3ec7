/**
 * A minimal gRPC-over-HTTP/2 unary caller for the load generator.
 *
 * grpc-js spends roughly twice the CPU per call of a bare HTTP/2 request (resolver, load balancer, retry and
 * interceptor layers, a captured stack per call). On a shared 2-core machine that CPU is taken from the server being
 * measured, so the hot path talks HTTP/2 directly: one TCP connection per GrpcConnection, pre-framed request bytes,
 * and the reply judged by its grpc-status alone.
 */
import http2 from "node:http2";
import { grpcTarget } from "./channels";

/** Request headers for one method, built once and reused by every call. */
export function methodHeaders(path: string): http2.OutgoingHttpHeaders {
  return {
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
  };
}

/** gRPC status code UNKNOWN, used when a stream ends without a grpc-status. */
const STATUS_UNKNOWN = 2;
/** gRPC status code UNAVAILABLE, used when the HTTP/2 stream itself fails. */
const STATUS_UNAVAILABLE = 14;

export type CallDone = (status: number, message: string) => void;

/**
 * One unary call at a time, with its event handlers bound once: a load client reuses the same UnaryCaller for every
 * request it sends, so a call costs the HTTP/2 stream and nothing else.
 */
export class UnaryCaller {
  private status = STATUS_UNKNOWN;
  private message = "";
  private readonly onResponse = (headers: http2.IncomingHttpHeaders): void => this.readStatus(headers);
  private readonly onTrailers = (trailers: http2.IncomingHttpHeaders): void => this.readStatus(trailers);
  private readonly onError = (error: Error): void => {
    this.status = STATUS_UNAVAILABLE;
    this.message = error.message;
  };
  private readonly onClose = (): void => this.done(this.status, this.message);

  constructor(
    private readonly connection: GrpcConnection,
    private readonly done: CallDone,
  ) {}

  call(headers: http2.OutgoingHttpHeaders, framedRequest: Buffer): void {
    this.status = STATUS_UNKNOWN;
    this.message = "the stream ended without a grpc-status";
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.connection.session.request(headers);
    } catch (error) {
      // A closed or destroyed session throws synchronously; report it like any failed call, but asynchronously so
      // that a load loop against a dead server does not recurse.
      setImmediate(this.done, STATUS_UNAVAILABLE, (error as Error).message);
      return;
    }
    stream.on("response", this.onResponse);
    stream.on("trailers", this.onTrailers);
    stream.on("error", this.onError);
    stream.on("close", this.onClose);
    // The reply body is not inspected, but it must be consumed for the stream to finish.
    stream.resume();
    stream.end(framedRequest);
  }

  /** A trailers-only reply (typical for errors) carries grpc-status in the response headers. */
  private readStatus(headers: http2.IncomingHttpHeaders): void {
    const status = headers["grpc-status"];
    if (typeof status !== "string") return;
    this.status = Number(status);
    const message = headers["grpc-message"];
    this.message = typeof message === "string" ? percentDecoded(message) : "";
  }
}

/** grpc-message is percent-encoded; a malformed one is shown as sent rather than failing the benchmark. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One HTTP/2 connection (and so one TCP connection) to a gRPC server. */
export class GrpcConnection {
  private constructor(readonly session: http2.ClientHttp2Session) {}

  static open(endpoint: string, timeoutMs = 10_000): Promise<GrpcConnection> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(`http://${grpcTarget(endpoint)}`);
      const timer = setTimeout(() => {
        session.destroy();
        reject(new Error(`cannot connect to ${endpoint}: timed out`));
      }, timeoutMs);
      session.once("connect", () => {
        clearTimeout(timer);
        session.off("error", onSetupError);
        // Later session errors also fail every open stream, which is where they are counted.
        session.on("error", () => {});
        resolve(new GrpcConnection(session));
      });
      const onSetupError = (error: Error): void => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to ${endpoint}: ${error.message}`));
      };
      session.once("error", onSetupError);
    });
  }

  close(): void {
    this.session.close();
  }
}

export async function openConnections(endpoints: string[], count: number): Promise<GrpcConnection[]> {
  if (endpoints.length === 0) throw new Error("no endpoints given");
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => GrpcConnection.open(endpoints[i % endpoints.length])),
  );
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
  const opened = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  if (failure !== undefined) {
    for (const connection of opened) connection.close();
    throw failure.reason;
  }
  return opened;
}
