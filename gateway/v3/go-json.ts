// A JSON reader that behaves like Go's encoding/json as grpc-gateway uses it: numbers keep their exact literal
// (64-bit IDs do not survive a double), objects keep the last duplicate key, and syntax errors carry Go's wording,
// which clients of etcd's gateway see verbatim. It reads bytes, so it can also pull successive values out of a
// request body that is still arriving (a watch or keep-alive stream).

/** A number as written in the JSON text; the codec decides how to interpret it per field type. */
export class JsonNumber {
  constructor(readonly literal: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

/** A malformed document; `message` is what Go's decoder would report. */
export class JsonSyntaxError extends Error {}

/** Thrown internally when the bytes so far end in the middle of a value. */
class NeedMoreInput extends Error {}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Go's quoteChar: how its scanner names the offending byte in an error message. */
function quoteByte(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const escapes: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (escapes[c] !== undefined) return `'${escapes[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if (c >= 0x80 && c < 0xa0) return `'\\u00${c.toString(16)}'`;
  return `'${String.fromCharCode(c)}'`;
}

function invalid(c: number, context: string): JsonSyntaxError {
  return new JsonSyntaxError(`invalid character ${quoteByte(c)} ${context}`);
}

class Parser {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    /** True when no more bytes will follow `buf`. */
    private readonly final: boolean,
  ) {}

  private peek(): number {
    if (this.pos >= this.buf.length) throw new NeedMoreInput();
    return this.buf[this.pos];
  }

  skipSpace(): void {
    while (this.pos < this.buf.length && isSpace(this.buf[this.pos])) this.pos++;
  }

  value(context = 'looking for beginning of value'): JsonValue {
    this.skipSpace();
    const c = this.peek();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === 0x6e) return this.literal('null', null);
    throw invalid(c, context);
  }

  private literal<T>(word: string, result: T): T {
    for (let i = 0; i < word.length; i++) {
      const c = this.peek();
      if (c !== word.charCodeAt(i)) throw invalid(c, `in literal ${word} (expecting '${word[i]}')`);
      this.pos++;
    }
    return result;
  }

  private object(): Map<string, JsonValue> {
    const out = new Map<string, JsonValue>();
    this.pos++;
    this.skipSpace();
    if (this.peek() === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      if (c !== 0x22) throw invalid(c, 'looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      const colon = this.peek();
      if (colon !== 0x3a) throw invalid(colon, 'after object key');
      this.pos++;
      out.set(key, this.value());
      this.skipSpace();
      const next = this.peek();
      this.pos++;
      if (next === 0x7d) return out;
      if (next !== 0x2c) throw invalid(next, 'after object key:value pair');
    }
  }

  private array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++;
    this.skipSpace();
    if (this.peek() === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skipSpace();
      const next = this.peek();
      this.pos++;
      if (next === 0x5d) return out;
      if (next !== 0x2c) throw invalid(next, 'after array element');
    }
  }

  private digits(): void {
    while (this.pos < this.buf.length && this.buf[this.pos] >= 0x30 && this.buf[this.pos] <= 0x39) this.pos++;
  }

  /** A number ends at the first byte that cannot continue it; at the end of an unfinished stream it may go on. */
  private number(): JsonNumber {
    const start = this.pos;
    if (this.buf[this.pos] === 0x2d) this.pos++;
    const first = this.peek();
    if (first === 0x30) this.pos++;
    else if (first >= 0x31 && first <= 0x39) this.digits();
    else throw invalid(first, 'in numeric literal');
    if (this.pos < this.buf.length && this.buf[this.pos] === 0x2e) {
      this.pos++;
      const d = this.peek();
      if (d < 0x30 || d > 0x39) throw invalid(d, 'after decimal point in numeric literal');
      this.digits();
    }
    if (this.pos < this.buf.length && (this.buf[this.pos] === 0x65 || this.buf[this.pos] === 0x45)) {
      this.pos++;
      let d = this.peek();
      if (d === 0x2b || d === 0x2d) {
        this.pos++;
        d = this.peek();
      }
      if (d < 0x30 || d > 0x39) throw invalid(d, 'in exponent of numeric literal');
      this.digits();
    }
    if (this.pos >= this.buf.length && !this.final) throw new NeedMoreInput();
    return new JsonNumber(this.buf.toString('latin1', start, this.pos));
  }

  private string(): string {
    const buf = this.buf;
    let i = ++this.pos;
    let out = '';
    for (;;) {
      const runStart = i;
      let c = 0;
      while (i < buf.length) {
        c = buf[i];
        if (c === 0x22 || c === 0x5c || c < 0x20) break;
        i++;
      }
      if (i >= buf.length) {
        this.pos = i;
        throw new NeedMoreInput();
      }
      if (i > runStart) out += buf.toString('utf8', runStart, i);
      this.pos = i + 1;
      if (c === 0x22) return out;
      if (c < 0x20) {
        this.pos = i;
        throw invalid(c, 'in string literal');
      }
      out += this.escape();
      i = this.pos;
    }
  }

  private escape(): string {
    const c = this.peek();
    this.pos++;
    const simple: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
    if (simple[c] !== undefined) return simple[c];
    if (c !== 0x75) throw invalid(c, 'in string escape code');
    const unit = this.hex4();
    if (unit < 0xd800 || unit > 0xdfff) return String.fromCharCode(unit);
    // A high surrogate followed by an escaped low one is one character; anything else becomes U+FFFD, as in Go.
    if (unit < 0xdc00 && this.buf[this.pos] === 0x5c && this.buf[this.pos + 1] === 0x75) {
      const save = this.pos;
      this.pos += 2;
      const low = this.hex4();
      if (low >= 0xdc00 && low <= 0xdfff) return String.fromCharCode(unit, low);
      this.pos = save;
    }
    return '\ufffd';
  }

  private hex4(): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.peek();
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) throw invalid(c, 'in \\u hexadecimal character escape');
      v = v * 16 + d;
      this.pos++;
    }
    return v;
  }
}

/**
 * Like Go's json.Decoder: the first value in `buf`, ignoring whatever follows it. Returns undefined when `buf` holds
 * only whitespace (Go's io.EOF, which grpc-gateway treats as an empty request).
 */
export function decodeFirst(buf: Buffer): JsonValue | undefined {
  const p = new Parser(buf, true);
  p.skipSpace();
  if (p.pos >= buf.length) return undefined;
  try {
    return p.value();
  } catch (err) {
    if (err instanceof NeedMoreInput) throw new JsonSyntaxError('unexpected EOF');
    throw err;
  }
}

/** Like Go's json.Unmarshal: exactly one value, nothing but whitespace after it. */
export function unmarshal(text: string): JsonValue {
  const buf = Buffer.from(text, 'utf8');
  const p = new Parser(buf, true);
  let v: JsonValue;
  try {
    v = p.value();
  } catch (err) {
    if (err instanceof NeedMoreInput) throw new JsonSyntaxError('unexpected end of JSON input');
    throw err;
  }
  p.skipSpace();
  if (p.pos < buf.length) throw invalid(buf[p.pos], 'after top-level value');
  return v;
}

/** What a chunk of a streamed body yielded: the complete values, then the syntax error that stopped it, if any. */
export interface StreamedValues {
  values: JsonValue[];
  error?: JsonSyntaxError;
}

/**
 * Successive values from a body that arrives in pieces, as Go's json.Decoder reads a streaming request: push each
 * chunk, take every complete value, then call end(). After an error the decoder yields nothing more.
 */
export class JsonStreamDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private failed = false;

  push(chunk: Buffer): StreamedValues {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    return this.drain(false);
  }

  /** The values left once the body is over; an error if it stopped inside one. */
  end(): StreamedValues {
    return this.drain(true);
  }

  private drain(final: boolean): StreamedValues {
    const values: JsonValue[] = [];
    while (!this.failed) {
      const p = new Parser(this.pending, final);
      p.skipSpace();
      if (p.pos >= this.pending.length) {
        this.pending = Buffer.alloc(0);
        break;
      }
      try {
        values.push(p.value());
      } catch (err) {
        if (!(err instanceof NeedMoreInput) && !(err instanceof JsonSyntaxError)) throw err;
        if (err instanceof NeedMoreInput && !final) break;
        this.failed = true;
        return { values, error: err instanceof JsonSyntaxError ? err : new JsonSyntaxError('unexpected EOF') };
      }
      this.pending = this.pending.subarray(p.pos);
    }
    return { values };
  }
}
