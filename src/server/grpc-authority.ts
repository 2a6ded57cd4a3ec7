// etcd 3.4's Go clients dial single endpoints as "passthrough:///http://host:port" and then send the whole URL as
// the HTTP/2 :authority. Go's server accepts that; Node's HTTP/2 core (nghttp2) resets such streams with
// PROTOCOL_ERROR, which breaks `etcdctl endpoint status|health|hashkv`, `move-leader` and friends.
//
// So a new gRPC connection is held until its first request's headers have been seen. Clients wait for the server's
// SETTINGS before their first request, so the shim answers with an empty SETTINGS frame of its own (and later drops
// the client's ACK of it, which the real server never asked for). When the :authority is valid (every ordinary
// client) the socket itself, with the bytes read so far put back, goes to the HTTP/2 server: no JS stays in the
// path. Otherwise the shim stays in the path and re-encodes each header block with the :authority reduced to
// host:port, writing literals that never touch the server's HPACK dynamic table, so the two sides' tables cannot
// disagree.
import { Duplex } from 'node:stream';
import type net from 'node:net';
// hpack.js has no type declarations; only its decompressor is used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hpack = require('hpack.js') as {
  decompressor: {
    create(opts: { table: { size: number } }): {
      write(b: Buffer): void;
      execute(): void;
      read(): { name: string; value: string } | null;
    };
  };
};

const PREFACE_LENGTH = 24;
const FRAME_HEADER = 9;
const TYPE_HEADERS = 0x1;
const TYPE_CONTINUATION = 0x9;
const TYPE_SETTINGS = 0x4;
const FLAG_ACK = 0x1;
/** An empty SETTINGS frame: the server preface the shim sends while it holds the connection. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, TYPE_SETTINGS, 0, 0, 0, 0, 0]);
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** Node's defaults for SETTINGS_HEADER_TABLE_SIZE and SETTINGS_MAX_FRAME_SIZE, which grpc-js leaves alone. */
const HEADER_TABLE_SIZE = 4096;
const MAX_FRAME_SIZE = 16384;

const VALID_AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:%@[\]]*$/;

/** "http://host:port/x" → "host:port". */
export function repairAuthority(authority: string): string {
  return authority.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
}

function encodeInteger(value: number, prefixBits: number, firstByte: number, out: number[]): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(firstByte | value);
    return;
  }
  out.push(firstByte | max);
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

/** A header block of "literal header field without indexing, new name" representations (RFC 7541 §6.2.2). */
export function encodeLiteralBlock(headers: Array<{ name: string; value: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const h of headers) {
    const name = Buffer.from(h.name, 'latin1');
    const value = Buffer.from(h.value, 'latin1');
    const prefix: number[] = [0x00];
    encodeInteger(name.length, 7, 0, prefix);
    parts.push(Buffer.from(prefix), name);
    const vlen: number[] = [];
    encodeInteger(value.length, 7, 0, vlen);
    parts.push(Buffer.from(vlen), value);
  }
  return Buffer.concat(parts);
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(FRAME_HEADER);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** Splits a header block into HEADERS + CONTINUATION frames no larger than the server accepts. */
function headerFrames(streamId: number, endStream: boolean, block: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0, first = true; first || off < block.length; first = false) {
    const chunk = block.subarray(off, off + MAX_FRAME_SIZE);
    off += chunk.length;
    const last = off >= block.length;
    const flags = (last ? FLAG_END_HEADERS : 0) | (first && endStream ? FLAG_END_STREAM : 0);
    out.push(frame(first ? TYPE_HEADERS : TYPE_CONTINUATION, flags, streamId, chunk));
  }
  return out;
}

/** inspect: reading the first header block; awaitAck: it was ordinary, waiting to drop our SETTINGS' ACK. */
type Mode = 'inspect' | 'awaitAck' | 'pass' | 'rewrite';

/** Parses the client's side of one HTTP/2 connection and emits what the server should see. */
export class AuthorityRewriter {
  private mode: Mode = 'inspect';
  private pending: Buffer = Buffer.alloc(0);
  private prefaceLeft = PREFACE_LENGTH;
  private readonly decoder = hpack.decompressor.create({ table: { size: HEADER_TABLE_SIZE } });
  /** The HEADERS/CONTINUATION frames of the header block being collected, as received. */
  private blockFrames: Buffer[] = [];
  private blockFragments: Buffer[] = [];
  private blockStream = 0;
  private blockEndStream = false;
  private ackDropped = false;

  /** The connection is ordinary: everything from here on may go to the server untouched. */
  get passingThrough(): boolean {
    return this.mode === 'pass';
  }

  /** The connection needs its header blocks rewritten for as long as it lives. */
  get rewriting(): boolean {
    return this.mode === 'rewrite';
  }

  private get decided(): boolean {
    return this.mode === 'pass';
  }

  /** Feeds client bytes; returns the bytes to hand to the server. */
  push(chunk: Buffer): Buffer[] {
    if (this.mode === 'pass') return [chunk];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, this.pending.length);
      out.push(this.pending.subarray(0, n));
      this.pending = this.pending.subarray(n);
      this.prefaceLeft -= n;
    }
    while (!this.decided && this.pending.length >= FRAME_HEADER) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < FRAME_HEADER + length) break;
      const raw = this.pending.subarray(0, FRAME_HEADER + length);
      this.pending = this.pending.subarray(FRAME_HEADER + length);
      this.onFrame(raw, out);
    }
    if (this.decided && this.pending.length > 0) {
      out.push(this.pending);
      this.pending = Buffer.alloc(0);
    }
    return out;
  }

  private onFrame(raw: Buffer, out: Buffer[]): void {
    const type = raw[3];
    const flags = raw[4];
    const streamId = raw.readUInt32BE(5) & 0x7fffffff;
    if (type === TYPE_SETTINGS && flags & FLAG_ACK && !this.ackDropped) {
      // The ACK of the shim's own SETTINGS: the real server never sent those, and would take an ACK as an error.
      this.ackDropped = true;
      if (this.mode === 'awaitAck') this.mode = 'pass';
      return;
    }
    if (type === TYPE_HEADERS) {
      let payload = raw.subarray(FRAME_HEADER);
      let padding = 0;
      if (flags & FLAG_PADDED) {
        padding = payload[0];
        payload = payload.subarray(1);
      }
      if (flags & FLAG_PRIORITY) payload = payload.subarray(5);
      payload = payload.subarray(0, payload.length - padding);
      this.blockFrames = [raw];
      this.blockFragments = [payload];
      this.blockStream = streamId;
      this.blockEndStream = (flags & FLAG_END_STREAM) !== 0;
    } else if (type === TYPE_CONTINUATION && this.blockFrames.length > 0) {
      this.blockFrames.push(raw);
      this.blockFragments.push(raw.subarray(FRAME_HEADER));
    } else {
      out.push(raw);
      return;
    }
    if (flags & FLAG_END_HEADERS) this.onHeaderBlock(out);
  }

  private onHeaderBlock(out: Buffer[]): void {
    if (this.mode === 'awaitAck') {
      // Already known to be ordinary (more requests came before the ACK): the server reads these blocks as sent.
      out.push(...this.blockFrames);
      this.blockFrames = [];
      this.blockFragments = [];
      return;
    }
    this.decoder.write(Buffer.concat(this.blockFragments));
    this.decoder.execute();
    const headers: Array<{ name: string; value: string }> = [];
    for (let h = this.decoder.read(); h !== null; h = this.decoder.read()) headers.push({ name: h.name, value: h.value });
    const authority = headers.find((h) => h.name === ':authority');
    if (this.mode === 'inspect' && (!authority || VALID_AUTHORITY.test(authority.value))) {
      // An ordinary client: the server decodes the original block itself, with the same table state.
      out.push(...this.blockFrames);
      this.mode = this.ackDropped ? 'pass' : 'awaitAck';
    } else {
      this.mode = 'rewrite';
      if (authority) authority.value = repairAuthority(authority.value);
      out.push(...headerFrames(this.blockStream, this.blockEndStream, encodeLiteralBlock(headers)));
    }
    this.blockFrames = [];
    this.blockFragments = [];
  }
}

/**
 * Holds a new HTTP/2 client connection until its first request shows whether its :authority needs repair, then
 * hands grpc-js either the socket itself (the bytes read so far put back) or, for the rare client that needs it, a
 * stream that rewrites its header blocks.
 */
export function handOverRepairingAuthority(socket: net.Socket, handOver: (connection: Duplex) => void): void {
  const rewriter = new AuthorityRewriter();
  let held: Buffer[] = [];
  const onData = (chunk: Buffer): void => {
    held.push(...rewriter.push(chunk));
    if (rewriter.passingThrough) {
      stopHolding();
      socket.pause();
      if (held.length > 0) socket.unshift(Buffer.concat(held));
      held = [];
      handOver(socket);
    } else if (rewriter.rewriting) {
      stopHolding();
      handOver(rewritingStream(socket, rewriter, held));
      held = [];
    }
  };
  const onEnd = (): void => {
    socket.destroy();
  };
  const stopHolding = (): void => {
    socket.off('data', onData);
    socket.off('end', onEnd);
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.write(EMPTY_SETTINGS);
  socket.resume();
}

function rewritingStream(socket: net.Socket, rewriter: AuthorityRewriter, already: Buffer[]): Duplex {
  const inner = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  for (const part of already) inner.push(part);
  socket.on('data', (chunk: Buffer) => {
    for (const part of rewriter.push(chunk)) {
      if (!inner.push(part)) socket.pause();
    }
  });
  socket.on('end', () => inner.push(null));
  socket.on('error', (err) => inner.destroy(err));
  socket.on('close', () => inner.destroy());
  // Lets http2 see the peer's address as it would on a socket.
  Object.defineProperties(inner, {
    remoteAddress: { get: () => socket.remoteAddress },
    remotePort: { get: () => socket.remotePort },
    remoteFamily: { get: () => socket.remoteFamily },
    localAddress: { get: () => socket.localAddress },
    localPort: { get: () => socket.localPort },
  });
  return inner;
}
