import { NodeId } from './types';

/**
 * A small seeded PRNG (mulberry32) so that election timeouts are randomized yet reproducible:
 * the state machine must not reach for Math.random, which would make runs impossible to replay.
 */
export function seededRandom(id: NodeId): () => number {
  let state = Number((id ^ (id >> 32n)) & 0xffffffffn) ^ 0x9e3779b9;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
