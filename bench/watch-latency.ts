/**
 * Watch delivery latency: many watchers on one key, puts at a fixed rate, and the time from sending each put to
 * each watcher receiving its event.
 */
import { Metadata, type Client, type ClientDuplexStream, type ServiceError } from "@grpc/grpc-js";
import { performance } from "node:perf_hooks";
import { WatchResponse } from "../src/gen/etcdserverpb/rpc";
import { closeChannels, openChannels, passthrough } from "./channels";
import { formatLatency, Histogram, type LatencySummary } from "./histogram";
import { benchValue, encodePut, encodeWatchCreate } from "./requests";

export interface WatchLatencyOptions {
  endpoints: string[];
  conns: number;
  streams: number;
  watchersPerStream: number;
  putTotal: number;
  /** Puts per second. */
  putRate: number;
  valSize: number;
  /** How long to wait for stragglers after the last put was acknowledged. */
  settleMs?: number;
}

export interface WatchLatencyResult {
  puts: number;
  watchers: number;
  deliveries: number;
  /** Events that never arrived within the settle time. */
  missing: number;
  putErrors: number;
  delivery: LatencySummary;
  put: LatencySummary;
}

/** A key of its own, so that watch-latency never sees events caused by other benchmarks. */
const WATCH_KEY = Buffer.from("bench/watch-latency");
/** The sequence number of each put travels in the first bytes of its value. */
const SEQ_BYTES = 4;

function decodeWatchResponse(bytes: Buffer): WatchResponse {
  return WatchResponse.decode(bytes);
}

export async function runWatchLatency(options: WatchLatencyOptions): Promise<WatchLatencyResult> {
  if (options.valSize < SEQ_BYTES) throw new Error(`watch-latency needs --val-size of at least ${SEQ_BYTES}`);
  const channels = await openChannels(options.endpoints, options.conns);
  const streams: ClientDuplexStream<Buffer, WatchResponse>[] = [];
  const watchers = options.streams * options.watchersPerStream;
  const sentAt = new Float64Array(options.putTotal);
  const deliveryLatency = new Histogram();
  const putLatency = new Histogram();
  let created = 0;
  let onCreated: () => void = () => {};
  let onDelivered: () => void = () => {};

  const onResponse = (response: WatchResponse): void => {
    const now = performance.now();
    if (response.created) {
      created++;
      if (created === watchers) onCreated();
    }
    for (const event of response.events) {
      const value = event.kv?.value;
      if (value === undefined || value.length < SEQ_BYTES) continue;
      deliveryLatency.recordMillis(now - sentAt[value.readUInt32BE(0)]);
    }
    if (deliveryLatency.count === options.putTotal * watchers) onDelivered();
  };

  try {
    const allCreated = new Promise<void>((resolve) => (onCreated = resolve));
    const createRequest = encodeWatchCreate(WATCH_KEY);
    for (let s = 0; s < options.streams; s++) {
      const stream = channels[s % channels.length].makeBidiStreamRequest(
        "/etcdserverpb.Watch/Watch",
        passthrough,
        decodeWatchResponse,
        new Metadata(),
        {},
      );
      // Streams are cancelled on purpose at the end; any other failure shows up as missing deliveries.
      stream.on("error", () => {});
      stream.on("data", onResponse);
      for (let w = 0; w < options.watchersPerStream; w++) stream.write(createRequest);
      streams.push(stream);
    }
    await withTimeout(allCreated, 10_000, () => `only ${created} of ${watchers} watchers were created`);

    const allDelivered = new Promise<void>((resolve) => (onDelivered = resolve));
    const putErrors = await sendPuts(options, channels[0], sentAt, putLatency);
    const settled = await Promise.race([
      allDelivered.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.settleMs ?? 5_000).unref()),
    ]);
    const expected = options.putTotal * watchers;
    return {
      puts: options.putTotal,
      watchers,
      deliveries: deliveryLatency.count,
      missing: settled ? 0 : expected - deliveryLatency.count,
      putErrors,
      delivery: deliveryLatency.summary(),
      put: putLatency.summary(),
    };
  } finally {
    for (const stream of streams) stream.cancel();
    closeChannels(channels);
  }
}

/** Sends the puts on a fixed schedule (not back to back), so that watch delivery is measured without a backlog. */
function sendPuts(
  options: WatchLatencyOptions,
  channel: Client,
  sentAt: Float64Array,
  putLatency: Histogram,
): Promise<number> {
  const padding = benchValue(options.valSize - SEQ_BYTES);
  const intervalMs = 1000 / options.putRate;
  const startedAt = performance.now();
  let acknowledged = 0;
  let errors = 0;
  return new Promise((resolve) => {
    const sendOne = (seq: number): void => {
      const value = Buffer.concat([Buffer.alloc(SEQ_BYTES), padding]);
      value.writeUInt32BE(seq, 0);
      const request = encodePut(WATCH_KEY, value);
      sentAt[seq] = performance.now();
      const onReply = (error: ServiceError | null): void => {
        if (error) errors++;
        else putLatency.recordMillis(performance.now() - sentAt[seq]);
        acknowledged++;
        if (acknowledged === options.putTotal) resolve(errors);
      };
      channel.makeUnaryRequest("/etcdserverpb.KV/Put", passthrough, passthrough, request, onReply);
      if (seq + 1 < options.putTotal) {
        setTimeout(() => sendOne(seq + 1), Math.max(0, startedAt + (seq + 1) * intervalMs - performance.now()));
      }
    };
    sendOne(0);
  });
}

function withTimeout(promise: Promise<void>, ms: number, message: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function formatWatchLatency(result: WatchLatencyResult): string {
  return [
    `watch-latency: ${result.puts} puts x ${result.watchers} watchers = ${result.deliveries} deliveries, ` +
      `${result.missing} missing, ${result.putErrors} put errors`,
    `delivery latency: ${formatLatency(result.delivery)}`,
    `put latency:      ${formatLatency(result.put)}`,
  ].join("\n");
}
