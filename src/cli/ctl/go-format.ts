// Renderings of values the way Go's fmt and the libraries etcdctl uses print them, so output matches byte for byte.

/** Go's %q for a string of bytes: printable ASCII kept, everything else escaped. */
export function goQuote(data: Buffer | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const text = bytes.toString('utf8');
  // Valid UTF-8 prints its printable runes as-is; invalid bytes fall back to \x escapes.
  const valid = Buffer.from(text, 'utf8').equals(bytes);
  let out = '"';
  if (valid) {
    for (const ch of text) out += quoteRune(ch);
  } else {
    for (const b of bytes) out += b >= 0x20 && b < 0x7f ? quoteRune(String.fromCharCode(b)) : `\\x${hex2(b)}`;
  }
  return out + '"';
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function quoteRune(ch: string): string {
  switch (ch) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\v':
      return '\\v';
  }
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex2(cp)}`;
  if (cp >= 0x80 && cp < 0xa0) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return ch;
}

/** Parses a Go double-quoted string literal (the inverse of %q); undefined when malformed. */
export function goUnquote(literal: string): string | undefined {
  if (literal.length < 2 || literal[0] !== '"' || literal[literal.length - 1] !== '"') return undefined;
  try {
    // JSON strings are a subset of Go's; translate the Go-only escapes first.
    const body = literal
      .slice(1, -1)
      .replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => `\\u00${h}`)
      .replace(/\\a/g, '\\u0007')
      .replace(/\\v/g, '\\u000b');
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return undefined;
  }
}

/** github.com/dustin/go-humanize Bytes(): SI units, one decimal below 10, none above. */
export function humanizeBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.floor(Math.log(n) / Math.log(1000));
  const val = Math.floor((n / Math.pow(1000, e)) * 10 + 0.5) / 10;
  return val < 10 ? `${val.toFixed(1)} ${units[e]}` : `${roundHalfEven(val)} ${units[e]}`;
}

/** Go's %.0f: halves round to the even neighbour (JavaScript's toFixed rounds them up). */
function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Go's time.Duration String() for a count of nanoseconds. */
export function goDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const neg = nanos < 0n;
  let u = neg ? -nanos : nanos;
  let out: string;
  if (u < 1000n) out = `${u}ns`;
  else if (u < 1000000n) out = `${fraction(u, 3)}µs`;
  else if (u < 1000000000n) out = `${fraction(u, 6)}ms`;
  else {
    const h = u / 3600000000000n;
    u -= h * 3600000000000n;
    const m = u / 60000000000n;
    u -= m * 60000000000n;
    out = `${fraction(u, 9)}s`;
    if (h > 0n) out = `${h}h${m}m${out}`;
    else if (m > 0n) out = `${m}m${out}`;
  }
  return neg ? `-${out}` : out;
}

function fraction(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = v / scale;
  const frac = (v % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac === '' ? `${whole}` : `${whole}.${frac}`;
}

/** Go's %016x for IDs (uint64 shown as given). */
export function hex16(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16).padStart(16, '0');
}

/** Go's %x of a uint64. */
export function hexId(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16);
}

/** Go's %16x: hex padded with spaces to 16 characters. */
export function hexPadded(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16).padStart(16, ' ');
}

/** etcdctl --hex: every byte as \xNN. */
export function hexEscaped(data: Buffer): string {
  let s = '';
  for (const b of data) s += `\\x${hex2(b)}`;
  return s;
}
