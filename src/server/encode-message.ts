import { BinaryWriter } from '@bufbuild/protobuf/wire';

/** The encode half of a generated message codec. */
export interface MessageEncoder<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
}

// A fresh BinaryWriter starts small and doubles into newly allocated, zeroed
// memory until the message fits; for the KB-sized messages of the write path
// that growth cost more than the encoding itself. One writer kept across calls
// has already grown. Encoding is synchronous, so calls never interleave.
let shared = new BinaryWriter();

// A writer that grew past this for one large message is dropped rather than
// kept holding the memory.
const MAX_RETAINED_BYTES = 256 * 1024;

/** What `codec.encode(message).finish()` returns, made cheaper by reusing one writer. */
export function encodeMessage<T>(codec: MessageEncoder<T>, message: T): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = codec.encode(message, shared).finish();
  } catch (err) {
    // A throw leaves the writer half-written; never reuse it.
    shared = new BinaryWriter();
    throw err;
  }
  if (bytes.length > MAX_RETAINED_BYTES) shared = new BinaryWriter();
  return bytes;
}
