// etcdctl's txn input language: compares like `value("k") = "v"` / `mod("k") > "3"`, then request lines
// `put k v`, `get k --prefix`, `del k`, each section ended by an empty line.
import { Compare_CompareResult, Compare_CompareTarget, type Compare, type RequestOp } from '../../../gen/etcdserverpb/rpc';
import { goUnquote } from '../go-format';
import { CtlError, ExitCode } from '../errors';
import { deleteRequest, putRequest, rangeRequest } from './kv-requests';

function invalid(message: string): CtlError {
  return new CtlError(ExitCode.invalidInput, message);
}

/** Splits a request line into words, honouring "double" (Go escapes) and 'single' quotes. */
export function argify(line: string): string[] {
  const words = line.match(/"(?:[^"\\]|\\.)*"|'[^']*'|[^'"\s]\S*[^'"\s]?/g) ?? [];
  return words.map((w) => {
    if (w.startsWith("'")) return w.slice(1, -1);
    if (w.startsWith('"')) {
      const s = goUnquote(w);
      if (s === undefined) throw invalid(`invalid syntax`);
      return s;
    }
    return w;
  });
}

const RESULTS: Record<string, Compare_CompareResult> = {
  '=': Compare_CompareResult.EQUAL,
  '!=': Compare_CompareResult.NOT_EQUAL,
  '<': Compare_CompareResult.LESS,
  '>': Compare_CompareResult.GREATER,
};

export function parseCompare(line: string): Compare {
  const paren = line.indexOf('(');
  if (paren < 0) throw invalid(`malformed comparison: ${line}`);
  const target = line.slice(0, paren);
  const m = /^("(?:[^"\\]|\\.)*")\)\s+(\S+)\s+("(?:[^"\\]|\\.)*")\s*$/.exec(line.slice(paren + 1));
  const key = m ? goUnquote(m[1]) : undefined;
  const value = m ? goUnquote(m[3]) : undefined;
  if (!m || key === undefined || value === undefined) throw invalid(`malformed comparison: ${line}`);
  const result = RESULTS[m[2]];
  if (result === undefined) throw invalid(`malformed comparison: ${line} (unknown op ${m[2]})`);
  const cmp: Compare = { result, target: Compare_CompareTarget.VERSION, key: Buffer.from(key), rangeEnd: Buffer.alloc(0) };
  const int = (): bigint => {
    if (!/^[+-]?\d+$/.test(value)) throw invalid(`invalid txn compare request: ${line}`);
    return BigInt(value);
  };
  switch (target) {
    case 'ver':
    case 'version':
      return { ...cmp, target: Compare_CompareTarget.VERSION, version: int() };
    case 'c':
    case 'create':
      return { ...cmp, target: Compare_CompareTarget.CREATE, createRevision: int() };
    case 'm':
    case 'mod':
      return { ...cmp, target: Compare_CompareTarget.MOD, modRevision: int() };
    case 'val':
    case 'value':
      return { ...cmp, target: Compare_CompareTarget.VALUE, value: Buffer.from(value) };
    case 'lease':
      return { ...cmp, target: Compare_CompareTarget.LEASE, lease: int() };
    default:
      throw invalid(`malformed comparison: ${line} (unknown target ${target})`);
  }
}

/** The flags each request verb accepts inside a txn, and whether each takes a value. */
const VERB_FLAGS: Record<string, Record<string, 'bool' | 'value'>> = {
  put: { lease: 'value', 'prev-kv': 'bool', 'ignore-value': 'bool', 'ignore-lease': 'bool' },
  get: {
    consistency: 'value', order: 'value', 'sort-by': 'value', limit: 'value', prefix: 'bool', 'from-key': 'bool',
    rev: 'value', 'keys-only': 'bool', 'count-only': 'bool', 'print-value-only': 'bool',
  },
  del: { prefix: 'bool', 'prev-kv': 'bool', 'from-key': 'bool' },
};

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export function parseRequest(line: string): RequestOp {
  const words = argify(line);
  if (words.length < 2) throw invalid(`invalid txn compare request: ${line}`);
  const [verb, ...rest] = words;
  const known = VERB_FLAGS[verb];
  if (!known) throw invalid(`invalid txn request: ${line}`);
  const flags: Record<string, string | boolean> = {};
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (w === '--') {
      args.push(...rest.slice(i + 1));
      break;
    }
    if (!w.startsWith('--') || w.length === 2) {
      args.push(w);
      continue;
    }
    const eq = w.indexOf('=');
    const name = eq < 0 ? w.slice(2) : w.slice(2, eq);
    const kind = known[name];
    if (!kind) throw invalid(`invalid txn request: ${line}`);
    if (kind === 'bool') flags[camel(name)] = eq < 0 ? true : w.slice(eq + 1) === 'true';
    else if (eq >= 0) flags[camel(name)] = w.slice(eq + 1);
    else if (i + 1 < rest.length) flags[camel(name)] = rest[++i];
    else throw invalid(`invalid txn request: ${line}`);
  }
  try {
    if (verb === 'put') return { requestPut: putRequest(args, flags) };
    if (verb === 'del') return { requestDeleteRange: deleteRequest(args, flags) };
    const num = (v: string | boolean | undefined): bigint | undefined => (typeof v === 'string' ? BigInt(v) : undefined);
    return { requestRange: rangeRequest(args, { ...flags, limit: num(flags.limit), rev: num(flags.rev) }) };
  } catch {
    throw invalid(`invalid txn request: ${line}`);
  }
}
