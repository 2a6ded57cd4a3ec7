// The simulated network: messages sit in flight until the schedule delivers, drops or
// duplicates one picked at random, which also reorders them. Partitions cut links by group.

import type { Message, NodeId } from '../../../src/raft/types';
import type { Prng } from './prng';

/** Beyond this many messages in flight the oldest are lost, as a congested link would lose them. */
const MAX_IN_FLIGHT = 400;

export class Network {
  private inFlight: Message[] = [];
  private groupOf = new Map<NodeId, number>();

  send(messages: Message[]): void {
    for (const m of messages) this.inFlight.push(m);
    if (this.inFlight.length > MAX_IN_FLIGHT) this.inFlight.splice(0, this.inFlight.length - MAX_IN_FLIGHT);
  }

  get size(): number {
    return this.inFlight.length;
  }

  /** Removes and returns a random in-flight message. */
  take(prng: Prng): Message | undefined {
    if (this.inFlight.length === 0) return undefined;
    const i = prng.int(this.inFlight.length);
    const m = this.inFlight[i];
    this.inFlight[i] = this.inFlight[this.inFlight.length - 1];
    this.inFlight.pop();
    return m;
  }

  /** Removes and returns every message in flight, oldest first. */
  takeAll(): Message[] {
    const all = this.inFlight;
    this.inFlight = [];
    return all;
  }

  /** Splits the nodes into isolated groups; a node not listed is alone. */
  partition(groups: NodeId[][]): void {
    this.groupOf.clear();
    groups.forEach((g, i) => g.forEach((id) => this.groupOf.set(id, i + 1)));
  }

  heal(): void {
    this.groupOf.clear();
  }

  get partitioned(): boolean {
    return this.groupOf.size > 0;
  }

  connected(a: NodeId, b: NodeId): boolean {
    if (this.groupOf.size === 0) return true;
    const ga = this.groupOf.get(a);
    return ga !== undefined && ga === this.groupOf.get(b);
  }
}
