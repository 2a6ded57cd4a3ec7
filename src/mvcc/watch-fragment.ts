// Splitting a watch response whose encoding would exceed the server's message limit into several responses, all
// flagged `fragment` except the last, which the client reassembles (etcd 3.4 semantics, opted into per watcher).
import { WatchResponse } from '../gen/etcdserverpb/rpc';

function encodedSize(resp: WatchResponse): number {
  return WatchResponse.encode(resp).finish().length;
}

/**
 * Returns `resp` unchanged when it is under `maxBytes` or holds fewer than two events; otherwise parts that each
 * stay under `maxBytes`, except a part made of a single event larger than the limit on its own.
 */
export function fragmentWatchResponse(resp: WatchResponse, maxBytes: number): WatchResponse[] {
  if (resp.events.length < 2 || encodedSize(resp) < maxBytes) return [resp];

  // A repeated field encodes as the concatenation of its elements, so each event adds a fixed number of bytes.
  const empty: WatchResponse = { ...resp, events: [], fragment: true };
  const baseSize = encodedSize(empty);
  const eventSizes = resp.events.map((ev) => encodedSize({ ...empty, events: [ev] }) - baseSize);

  const parts: WatchResponse[] = [];
  let next = 0;
  while (next < resp.events.length) {
    const first = next;
    let size = baseSize + eventSizes[next++];
    while (next < resp.events.length && size + eventSizes[next] < maxBytes) size += eventSizes[next++];
    parts.push({ ...empty, events: resp.events.slice(first, next) });
  }
  parts[parts.length - 1].fragment = false;
  return parts;
}
