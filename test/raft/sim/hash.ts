// Cheap fingerprints that let the invariant checks compare whole logs incrementally: the
// fingerprint of a log prefix folds each entry's term and data into the prefix before it, so
// equal fingerprints at an index mean (barring a 53-bit collision) equal logs up to that index.

/** A 53-bit value kept as two lanes (high 32 bits, low 21 bits) so it fits a JS number exactly. */
export type Fingerprint = number;

const LOW_BITS = 2 ** 21;

function dataHash(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193);
  return h >>> 0;
}

export function extend(prefix: Fingerprint, term: number, data: Uint8Array): Fingerprint {
  const hi0 = Math.floor(prefix / LOW_BITS);
  const lo0 = prefix % LOW_BITS;
  const d = dataHash(data);
  let hi = Math.imul(hi0 ^ d, 0x9e3779b1) ^ term ^ lo0;
  hi = Math.imul(hi ^ (hi >>> 16), 0x85ebca6b) >>> 0;
  let lo = Math.imul(lo0 ^ term, 0xc2b2ae35) ^ Math.imul(d, 0x27d4eb2f);
  lo = (Math.imul(lo ^ (lo >>> 13), 0x165667b1) >>> 0) % LOW_BITS;
  return hi * LOW_BITS + lo;
}
