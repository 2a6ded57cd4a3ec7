// What the user, role and auth commands print, in each -w format as etcdctl prints it: the simple format's
// sentences, the response message for json and protobuf, the header (and a few fields) for fields.
import { Permission_Type, type Permission } from '../../../gen/authpb/auth';
import { AuthRoleGetResponse, type ResponseHeader } from '../../../gen/etcdserverpb/rpc';
import type { CtlContext } from '../context';
import { CtlError, ExitCode } from '../errors';
import { goQuote } from '../go-format';
import { goJson, omitEmpty, type GoJsonValue } from '../go-json';
import type { OutputFormat } from '../global-options';
import { header } from '../printers/json';
import { prefixEnd } from '../../../mvcc/key-range';

const NUL = Buffer.from([0]);

type Obj = { [key: string]: GoJsonValue | undefined };

/** How one response is shown; `json` and `fields` add the message's own fields to its header. */
export interface Shown<T> {
  simple(): void;
  codec: { encode(m: T): { finish(): Uint8Array } };
  json?: Obj;
  /** Without it the fields format does not support the result (etcdctl has no fields form for it). */
  fields?: () => void;
}

export function show<T extends { header?: ResponseHeader }>(ctx: CtlContext, format: OutputFormat, r: T, how: Shown<T>): void {
  const line = (s: string): void => ctx.output.out(s + '\n');
  switch (format) {
    case 'simple':
      how.simple();
      return;
    case 'json':
      line(goJson({ header: header(r.header), ...how.json }));
      return;
    case 'protobuf':
      ctx.output.raw(how.codec.encode(r).finish());
      return;
    case 'fields':
      if (!how.fields) break;
      line(`"ClusterID" : ${r.header?.clusterId ?? 0n}`);
      line(`"MemberID" : ${r.header?.memberId ?? 0n}`);
      line(`"Revision" : ${r.header?.revision ?? 0n}`);
      line(`"RaftTerm" : ${r.header?.raftTerm ?? 0n}`);
      how.fields();
      return;
    case 'table':
      break;
  }
  throw new CtlError(ExitCode.badFeature, `${format} not supported as output format`);
}

/** A line of text that may contain key bytes, written without re-encoding them. */
function writeLine(ctx: CtlContext, parts: (string | Buffer)[]): void {
  ctx.output.raw(Buffer.concat([...parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)), Buffer.from('\n')]));
}

function permissionLine(ctx: CtlContext, perm: Permission): void {
  if (perm.rangeEnd.length === 0) {
    writeLine(ctx, ['\t', perm.key]);
    return;
  }
  const parts: (string | Buffer)[] = perm.rangeEnd.equals(NUL)
    ? ['\t[', perm.key, ', <open ended>']
    : ['\t[', perm.key, ', ', perm.rangeEnd, ')'];
  if (prefixEnd(perm.key).equals(perm.rangeEnd)) parts.push(' (prefix ', perm.key, ')');
  writeLine(ctx, parts);
}

const PERM_NAMES: Record<number, string> = {
  [Permission_Type.READ]: 'READ',
  [Permission_Type.WRITE]: 'WRITE',
  [Permission_Type.READWRITE]: 'READWRITE',
};

/** `role get`, and each role of `user get --detail`. */
export function roleGetShown(ctx: CtlContext, role: string, r: AuthRoleGetResponse): Shown<AuthRoleGetResponse> {
  const reads = (p: Permission): boolean => p.permType === Permission_Type.READ || p.permType === Permission_Type.READWRITE;
  const writes = (p: Permission): boolean => p.permType === Permission_Type.WRITE || p.permType === Permission_Type.READWRITE;
  return {
    simple: () => {
      ctx.output.out(`Role ${role}\nKV Read:\n`);
      for (const p of r.perm) if (reads(p)) permissionLine(ctx, p);
      ctx.output.out('KV Write:\n');
      for (const p of r.perm) if (writes(p)) permissionLine(ctx, p);
    },
    codec: AuthRoleGetResponse,
    json: {
      perm: omitEmpty(r.perm.map((p) => ({ permType: omitEmpty(p.permType), key: omitEmpty(p.key), range_end: omitEmpty(p.rangeEnd) }))),
    },
    fields: () => {
      for (const p of r.perm) {
        // Go's Println puts a space between its two operands, after the one inside the label.
        ctx.output.out(`"PermType" :  ${PERM_NAMES[p.permType] ?? String(p.permType)}\n`);
        ctx.output.out(`"Key" : ${goQuote(p.key)}\n"RangeEnd" : ${goQuote(p.rangeEnd)}\n`);
      }
    },
  };
}

export function printRevokePermission(ctx: CtlContext, role: string, key: string, end: Buffer): void {
  if (end.length === 0) writeLine(ctx, [`Permission of key ${key} is revoked from role ${role}`]);
  else if (end.equals(NUL)) writeLine(ctx, [`Permission of range [${key}, <open ended> is revoked from role ${role}`]);
  else writeLine(ctx, [`Permission of range [${key}, `, end, `) is revoked from role ${role}`]);
}
