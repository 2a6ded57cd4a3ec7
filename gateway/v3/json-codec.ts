// Converts between ts-proto objects and the JSON etcd 3.4's grpc-gateway speaks (golang/protobuf jsonpb with
// OrigName): proto field names on output, proto or JSON names accepted on input, 64-bit integers as strings, bytes
// as standard base64, enums by name, fields holding their default value left out. Driven by the plans in
// proto-schema.ts, so no message needs code of its own.
import type { FieldPlan, MessagePlan } from './proto-schema';
import { JsonNumber, JsonSyntaxError, unmarshal, type JsonValue } from './go-json';

type ProtoObject = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------- output

const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

/** A JSON string literal as Go's encoding/json writes it (it escapes <, > and & too, and only \n \r \t briefly). */
export function goQuote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += s[i] + s[i + 1];
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '\ufffd'; // a lone surrogate is not valid UTF-8; Go substitutes the replacement character
    } else out += s[i];
  }
  return out + '"';
}

function base64Of(v: Uint8Array): string {
  const b = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return b.toString('base64');
}

function isZero(v: unknown): boolean {
  return v === 0 || v === 0n || v === false || v === '' || (v instanceof Uint8Array && v.length === 0);
}

function encodeValue(f: FieldPlan, v: unknown): string {
  switch (f.kind) {
    case 'int64':
    case 'uint64':
      return '"' + String(v) + '"';
    case 'int32':
    case 'uint32':
      return String(v);
    case 'bool':
      return v ? 'true' : 'false';
    case 'string':
      return goQuote(v as string);
    case 'bytes':
      return '"' + base64Of(v as Uint8Array) + '"';
    case 'enum': {
      const name = f.enumPlan!.nameByNumber.get(v as number);
      return name === undefined ? String(v) : '"' + name + '"';
    }
    case 'message':
      return encodeMessage(f.message!, v as ProtoObject);
  }
}

/** The gateway's JSON for a ts-proto message object. */
export function encodeMessage(plan: MessagePlan, message: object): string {
  const obj = message as ProtoObject;
  let out = '{';
  for (const f of plan.fields) {
    const v = obj[f.tsName];
    if (v === undefined || v === null) continue;
    let text: string;
    if (f.repeated) {
      const items = v as unknown[];
      if (items.length === 0) continue;
      text = '[' + items.map((item) => (item == null ? 'null' : encodeValue(f, item))).join(',') + ']';
    } else if (f.kind !== 'message' && !f.oneofMembers && isZero(v)) {
      // Default values are not written; a set oneof member is, whatever its value, as jsonpb does.
      continue;
    } else {
      text = encodeValue(f, v);
    }
    if (out.length > 1) out += ',';
    out += f.keyPrefix + text;
  }
  return out + '}';
}

// ----------------------------------------------------------------------------------------------- input

// Nothing can be written into a zero-length buffer, so every empty bytes field can share this one.
const EMPTY = Buffer.alloc(0);

/** A request that does not fit its message; `message` is the text grpc-gateway would return. */
export class JsonDecodeError extends Error {}

function jsonKindOf(v: JsonValue): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof JsonNumber) return 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function cannotUnmarshal(what: string, goType: string): JsonDecodeError {
  return new JsonDecodeError(`json: cannot unmarshal ${what} into Go value of type ${goType}`);
}

const INT_LIMITS: Record<string, [bigint, bigint]> = {
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  uint64: [0n, (1n << 64n) - 1n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
  uint32: [0n, (1n << 32n) - 1n],
};

/** An integer literal checked against Go's type; undefined when Go would reject it. */
function parseInteger(literal: string, limits: [bigint, bigint]): bigint | undefined {
  if (!/^-?\d+$/.test(literal)) return undefined;
  const n = BigInt(literal);
  return n < limits[0] || n > limits[1] ? undefined : n;
}

function decodeInteger(f: FieldPlan, raw: JsonValue): bigint | number {
  // jsonpb strips the quotes off a quoted integer and parses what is inside as JSON again.
  const v = typeof raw === 'string' ? unmarshalInner(raw) : raw;
  const wide = f.kind === 'int64' || f.kind === 'uint64';
  if (v === null) return wide ? 0n : 0;
  if (!(v instanceof JsonNumber)) throw cannotUnmarshal(jsonKindOf(v), f.kind);
  const n = parseInteger(v.literal, INT_LIMITS[f.kind]);
  if (n === undefined) throw cannotUnmarshal(`number ${v.literal}`, f.kind);
  return wide ? n : Number(n);
}

function unmarshalInner(text: string): JsonValue {
  try {
    return unmarshal(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new JsonDecodeError(err.message);
    throw err;
  }
}

function decodeEnum(f: FieldPlan, v: JsonValue): number {
  const ep = f.enumPlan!;
  if (typeof v === 'string') {
    const n = ep.numberByName.get(v);
    if (n === undefined) throw new JsonDecodeError(`unknown value ${goQuote(v)} for enum ${ep.goName}`);
    return n;
  }
  if (!(v instanceof JsonNumber)) throw cannotUnmarshal(jsonKindOf(v), ep.goName);
  const n = parseInteger(v.literal, INT_LIMITS.int32);
  if (n === undefined) throw cannotUnmarshal(`number ${v.literal}`, ep.goName);
  return Number(n);
}

/** Go's base64.StdEncoding.Decode: padding required, CR and LF skipped, errors at the offending byte. */
const PLAIN_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeGoBase64(s: string): Buffer {
  if (PLAIN_BASE64.test(s)) return Buffer.from(s, 'base64');
  // Not the common well-formed shape: walk it as Go does, to skip line breaks or name the first bad byte.
  const src = Buffer.from(s, 'utf8');
  const clean: number[] = [];
  const at: number[] = []; // position in src of each kept byte
  for (let i = 0; i < src.length; i++) {
    if (src[i] !== 0x0a && src[i] !== 0x0d) {
      clean.push(src[i]);
      at.push(i);
    }
  }
  const corrupt = (i: number) => new JsonDecodeError(`illegal base64 data at input byte ${i}`);
  const isAlphabet = (c: number) =>
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
  let i = 0;
  for (; i < clean.length; i += 4) {
    for (let j = 0; j < 4; j++) {
      if (i + j >= clean.length) {
        // Ran out inside a quantum: Go reports where that quantum started.
        throw corrupt(at[i]);
      }
      const c = clean[i + j];
      if (isAlphabet(c)) continue;
      if (c !== 0x3d || j < 2) throw corrupt(at[i + j]);
      if (j === 2) {
        if (i + 3 >= clean.length) throw corrupt(src.length);
        if (clean[i + 3] !== 0x3d) throw corrupt(at[i + 3] - 1);
      }
      const end = i + 4;
      if (end < clean.length) throw corrupt(at[end]);
      break;
    }
  }
  return Buffer.from(src.toString('latin1').replace(/[\r\n]/g, ''), 'base64');
}

function decodeSingle(f: FieldPlan, v: JsonValue): unknown {
  switch (f.kind) {
    case 'int64':
    case 'uint64':
    case 'int32':
    case 'uint32':
      return decodeInteger(f, v);
    case 'enum':
      return v === null ? 0 : decodeEnum(f, v);
    case 'bool':
      if (v === null) return false;
      if (typeof v !== 'boolean') throw cannotUnmarshal(jsonKindOf(v), 'bool');
      return v;
    case 'string':
      if (v === null) return '';
      if (typeof v !== 'string') throw cannotUnmarshal(jsonKindOf(v), 'string');
      return v;
    case 'bytes':
      if (v === null) return EMPTY;
      if (typeof v !== 'string') throw cannotUnmarshal(jsonKindOf(v), '[]uint8');
      return decodeGoBase64(v);
    case 'message':
      if (v !== null && !(v instanceof Map)) throw cannotUnmarshal(jsonKindOf(v), 'map[string]json.RawMessage');
      return decodeMessage(f.message!, v ?? undefined);
  }
}

function defaultOf(f: FieldPlan): unknown {
  if (f.repeated) return [];
  if (f.oneofMembers || f.kind === 'message') return undefined;
  switch (f.kind) {
    case 'int64':
    case 'uint64':
      return 0n;
    case 'int32':
    case 'uint32':
    case 'enum':
      return 0;
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return EMPTY;
  }
}

/**
 * The ts-proto object for a request body already parsed by go-json (undefined for an empty body): every field
 * present with its default, as ts-proto's own decoder leaves it. Unknown keys are ignored, as etcd's gateway does.
 */
export function decodeMessage(plan: MessagePlan, json: Map<string, JsonValue> | undefined): ProtoObject {
  const obj: ProtoObject = {};
  for (const f of plan.fields) obj[f.tsName] = defaultOf(f);
  if (!json) return obj;
  for (const [key, v] of json) {
    const f = plan.fieldByKey.get(key);
    if (!f) continue;
    if (f.repeated) {
      if (v === null) continue;
      if (!Array.isArray(v)) throw cannotUnmarshal(jsonKindOf(v), '[]json.RawMessage');
      obj[f.tsName] = v.map((item) => decodeSingle(f, item));
      continue;
    }
    if (f.oneofMembers) {
      if (v === null) continue;
      // With several members given, etcd's gateway keeps the one declared last, whatever the JSON order.
      const members = f.oneofMembers;
      const later = members.slice(members.indexOf(f.tsName) + 1);
      if (later.some((m) => obj[m] !== undefined)) continue;
      for (const member of members) obj[member] = undefined;
    }
    obj[f.tsName] = decodeSingle(f, v);
  }
  return obj;
}

/** A whole request value: an object, null or nothing; anything else is refused the way Go refuses it. */
export function decodeRequest(plan: MessagePlan, json: JsonValue | undefined): ProtoObject {
  if (json === undefined || json === null) return decodeMessage(plan, undefined);
  if (!(json instanceof Map)) throw cannotUnmarshal(jsonKindOf(json), 'map[string]json.RawMessage');
  return decodeMessage(plan, json);
}
