// Go encoding/json rendering: int64/uint64 as exact numbers, []byte as base64, HTML characters escaped.

export type GoJsonValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Buffer
  | GoJsonValue[]
  | { [key: string]: GoJsonValue | undefined };

export function goJson(value: GoJsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return goJsonString(value);
  if (Buffer.isBuffer(value)) return goJsonString(value.toString('base64'));
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) parts.push(`${goJsonString(k)}:${goJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

function goJsonString(s: string): string {
  return JSON.stringify(s)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** For `omitempty` fields: undefined (dropped) when the value is Go's zero value. */
export function omitEmpty<T extends GoJsonValue>(v: T | undefined): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 0 || v === 0n || v === false || v === '') return undefined;
  if (Buffer.isBuffer(v) && v.length === 0) return undefined;
  if (Array.isArray(v) && v.length === 0) return undefined;
  return v;
}
