// Reads a /v2/keys request the way etcd does: parameters come from the query string and, for POST and PUT
// with a form content type, from the body too (body values first, like Go's Request.ParseForm), and each
// malformed parameter is rejected with the same error code and cause etcd gives.
import { V2_CODES, requestError } from './errors';
import { cleanPath, type NodePath } from './keyspace';

export const KEYS_PREFIX = '/v2/keys';

export type V2Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

export interface V2Request {
  method: V2Method;
  path: NodePath;
  value: string;
  dir: boolean;
  prevValue: string;
  /** 0 when not given. */
  prevIndex: bigint;
  /** undefined when not given: "prevExist" switches PUT between set, create and update. */
  prevExist?: boolean;
  wait: boolean;
  /** 0 when not given: watch from the next change. */
  waitIndex: bigint;
  recursive: boolean;
  sorted: boolean;
  quorum: boolean;
  stream: boolean;
  /** Seconds; undefined for a permanent node. */
  ttl?: bigint;
  refresh: boolean;
  noValueOnSuccess: boolean;
}

type Form = Map<string, string[]>;

function addPairs(form: Form, encoded: string): void {
  for (const [name, value] of new URLSearchParams(encoded)) {
    const values = form.get(name);
    if (values === undefined) form.set(name, [value]);
    else values.push(value);
  }
}

function first(form: Form, name: string): string | undefined {
  return form.get(name)?.[0];
}

// Go's strconv.ParseBool.
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function boolParam(form: Form, name: string, cause = `invalid value for "${name}"`): boolean {
  const raw = first(form, name);
  if (raw === undefined) return false;
  if (TRUE_WORDS.has(raw)) return true;
  if (FALSE_WORDS.has(raw)) return false;
  throw requestError(V2_CODES.invalidField, cause);
}

const MAX_UINT64 = (1n << 64n) - 1n;

function uintParam(form: Form, name: string, code: number): bigint {
  const raw = first(form, name);
  if (raw === undefined) return 0n;
  const n = /^[0-9]+$/.test(raw) ? BigInt(raw) : -1n;
  if (n < 0n || n > MAX_UINT64) throw requestError(code, `invalid value for "${name}"`);
  return n;
}

/** The key path of a /v2/keys URL, percent-decoded and cleaned like etcd's path.Join. */
export function keyPathOf(rawUrl: string): NodePath {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch (err) {
    throw requestError(V2_CODES.invalidForm, (err as Error).message);
  }
  if (!decoded.startsWith(KEYS_PREFIX)) throw requestError(V2_CODES.invalidForm, 'incorrect key prefix');
  return cleanPath(decoded.slice(KEYS_PREFIX.length));
}

export function parseKeyRequest(method: V2Method, rawUrl: string, contentType: string | undefined, body: string): V2Request {
  const form: Form = new Map();
  const isForm = (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';
  if ((method === 'POST' || method === 'PUT') && isForm) addPairs(form, body);
  const q = rawUrl.indexOf('?');
  if (q >= 0) addPairs(form, rawUrl.slice(q + 1));

  const path = keyPathOf(rawUrl);
  const prevIndex = uintParam(form, 'prevIndex', V2_CODES.indexNaN);
  const waitIndex = uintParam(form, 'waitIndex', V2_CODES.indexNaN);
  const recursive = boolParam(form, 'recursive');
  const sorted = boolParam(form, 'sorted');
  const wait = boolParam(form, 'wait');
  const dir = boolParam(form, 'dir');
  const quorum = boolParam(form, 'quorum');
  const stream = boolParam(form, 'stream');
  if (wait && method !== 'GET') {
    throw requestError(V2_CODES.invalidField, '"wait" can only be used with GET requests');
  }
  const prevValue = first(form, 'prevValue') ?? '';
  if (form.has('prevValue') && prevValue === '') {
    throw requestError(V2_CODES.prevValueRequired, '"prevValue" cannot be empty');
  }
  const noValueOnSuccess = boolParam(form, 'noValueOnSuccess');
  const value = first(form, 'value') ?? '';
  const ttl = ttlParam(form);
  const prevExist = form.has('prevExist') ? boolParam(form, 'prevExist', 'invalid value for prevExist') : undefined;
  const refresh = form.has('refresh') ? boolParam(form, 'refresh', 'invalid value for refresh') : false;
  if (refresh) {
    if (form.has('value') && value !== '') {
      throw requestError(V2_CODES.refreshValue, 'A value was provided on a refresh');
    }
    if (ttl === undefined) throw requestError(V2_CODES.refreshTTLRequired, 'No TTL value set');
  }
  return {
    method,
    path,
    value,
    dir,
    prevValue,
    prevIndex,
    prevExist,
    wait,
    waitIndex,
    recursive,
    sorted,
    quorum,
    stream,
    ttl,
    refresh,
    noValueOnSuccess,
  };
}

// An empty "ttl" means no TTL at all (how clients clear one on update).
function ttlParam(form: Form): bigint | undefined {
  if ((first(form, 'ttl') ?? '') === '') return undefined;
  return uintParam(form, 'ttl', V2_CODES.ttlNaN);
}
