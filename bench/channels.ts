/** gRPC channels for the load generator, each on its own HTTP/2 connection. */
import { Client, credentials, type ChannelOptions } from "@grpc/grpc-js";

/**
 * grpc-js shares one subchannel (and so one TCP connection) between channels with the same target and options; a
 * per-channel subchannel pool is what makes `--conns N` open N connections. Retries are off because the retry layer
 * buffers every message and the benchmark counts failures rather than hiding them.
 */
const CHANNEL_OPTIONS: ChannelOptions = {
  "grpc.use_local_subchannel_pool": 1,
  "grpc.enable_retries": 0,
  "grpc.max_receive_message_length": -1,
};

/** Accepts "host:port" or "http://host:port", as etcdctl does. */
export function grpcTarget(endpoint: string): string {
  return endpoint.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}

/** Opens `count` channels spread round-robin over the endpoints and waits until every one is connected. */
export async function openChannels(endpoints: string[], count: number, timeoutMs = 10_000): Promise<Client[]> {
  if (endpoints.length === 0) throw new Error("no endpoints given");
  const clients: Client[] = [];
  for (let i = 0; i < count; i++) {
    const target = grpcTarget(endpoints[i % endpoints.length]);
    clients.push(new Client(target, credentials.createInsecure(), CHANNEL_OPTIONS));
  }
  const deadline = Date.now() + timeoutMs;
  try {
    await Promise.all(
      clients.map(
        (client) =>
          new Promise<void>((resolve, reject) =>
            client.waitForReady(deadline, (error) =>
              error ? reject(new Error(`cannot connect: ${error.message}`)) : resolve(),
            ),
          ),
      ),
    );
  } catch (error) {
    closeChannels(clients);
    throw error;
  }
  return clients;
}

export function closeChannels(clients: Client[]): void {
  for (const client of clients) client.close();
}

/** Serializer and deserializer that leave bytes untouched: requests are pre-encoded and replies are not inspected. */
export function passthrough(bytes: Buffer): Buffer {
  return bytes;
}
