// Parsers with the acceptance rules of Go's strconv and time packages, because etcd's flags are
// Go flags and users' existing command lines and config files must mean the same thing here.
// Each throws ValueError whose message is what Go's flag package would print after the value.

export class ValueError extends Error {}

const BASE_DIGITS: Record<number, RegExp> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^[0-9]+$/,
  16: /^[0-9a-fA-F]+$/,
};

/** Unsigned integer text with Go's base-0 prefixes (0x, 0o, 0b, leading 0 = octal). */
function parseUnsignedText(text: string, base0: boolean): bigint {
  let base = 10;
  let digits = text;
  if (base0 && text.length > 1 && text[0] === '0') {
    const p = text[1].toLowerCase();
    if (p === 'x') [base, digits] = [16, text.slice(2)];
    else if (p === 'o') [base, digits] = [8, text.slice(2)];
    else if (p === 'b') [base, digits] = [2, text.slice(2)];
    else [base, digits] = [8, text.slice(1)];
    // Go allows '_' between digits only when a base prefix is present.
    if (/^_?[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*$/.test(digits)) digits = digits.replace(/_/g, '');
  }
  if (!BASE_DIGITS[base].test(digits)) throw new ValueError('parse error');
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  return BigInt(prefix + digits);
}

function toNumber(v: bigint, max: bigint, min = 0n): number {
  if (v > max || v < min) throw new ValueError('value out of range');
  return Number(v);
}

/** Go `uint` / `uint64` flag (strconv.ParseUint(s, 0, 64)). */
export function parseGoUint(text: string): number {
  return toNumber(parseUnsignedText(text, true), 2n ** 64n - 1n);
}

/** etcd's Uint32Value (strconv.ParseUint(s, 10, 32)); no base prefixes. */
export function parseGoUint32(text: string): number {
  return toNumber(parseUnsignedText(text, false), 2n ** 32n - 1n);
}

/** Go `int` / `int64` flag (strconv.ParseInt(s, 0, 64)). */
export function parseGoInt(text: string): number {
  let sign = 1n;
  let rest = text;
  if (rest.startsWith('+') || rest.startsWith('-')) {
    if (rest[0] === '-') sign = -1n;
    rest = rest.slice(1);
  }
  return toNumber(sign * parseUnsignedText(rest, true), 2n ** 63n - 1n, -(2n ** 63n));
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool. */
export function parseGoBool(text: string): boolean {
  if (GO_TRUE.has(text)) return true;
  if (GO_FALSE.has(text)) return false;
  throw new ValueError('parse error');
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * time.ParseDuration, returning milliseconds (fractional below 1ms).
 * Accepts e.g. "5s", "2h0m0s", "1.5m", "-3ms", "0"; a bare non-zero number is an error as in Go.
 */
export function parseGoDuration(text: string): number {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('+') || rest.startsWith('-')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new ValueError('parse error');
  let totalMs = 0;
  const part = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]*)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m || m[0] === '') throw new ValueError('parse error');
    const [whole, intDigits, fracDigits, unit] = m;
    if (intDigits === '' && (fracDigits === undefined || fracDigits === '')) throw new ValueError('parse error');
    const perUnit = UNIT_MS[unit];
    if (perUnit === undefined) throw new ValueError('parse error');
    const value = Number(`${intDigits || '0'}.${fracDigits ?? ''}0`);
    totalMs += value * perUnit;
    rest = rest.slice(whole.length);
  }
  // Go's Duration is an int64 count of nanoseconds.
  if (totalMs * 1e6 > 9223372036854775807) throw new ValueError('parse error');
  return sign * totalMs;
}
