// The bytes a request arrived in, kept beside its decoded form so a write can be proposed to Raft without
// encoding it again: a Raft entry embeds the request unchanged as a length-delimited field of InternalRequest.
import type * as grpc from '@grpc/grpc-js';
import { RequestHeader } from '../gen/tetcdpb/internal';

const rawBytes = new WeakMap<object, Buffer>();

export function rawOf(request: object): Buffer | undefined {
  return rawBytes.get(request);
}

/** A copy of a generated service definition whose decoders remember each request's bytes. */
export function rememberingRawRequests<S extends grpc.ServiceDefinition>(service: S): S {
  const copy: Record<string, grpc.MethodDefinition<object, unknown>> = {};
  for (const [name, method] of Object.entries(service) as Array<[string, grpc.MethodDefinition<object, unknown>]>) {
    const decode = method.requestDeserialize;
    copy[name] = {
      ...method,
      requestDeserialize: (buf: Buffer) => {
        const msg = decode(buf);
        rawBytes.set(msg, buf);
        return msg;
      },
    };
  }
  return copy as unknown as S;
}

function varint(value: bigint | number, out: number[]): void {
  let v = BigInt(value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** InternalRequest's field number of the proposer's RequestHeader. */
const FIELD_HEADER = 2;

/**
 * InternalRequest{ id, header, <field>: <raw message> } without re-encoding the message (protobuf field order is
 * free). The header is only written when it says something (a user), as the generated encoder would.
 */
export function encodeWithRaw(id: bigint, field: number, raw: Buffer, header?: RequestHeader): Buffer {
  const head: number[] = [0x08];
  varint(id, head);
  if (header && (header.username !== '' || header.authRevision !== 0n)) {
    const bytes = RequestHeader.encode(header).finish();
    head.push((FIELD_HEADER << 3) | 2);
    varint(bytes.length, head);
    for (const b of bytes) head.push(b);
  }
  head.push((field << 3) | 2);
  varint(raw.length, head);
  const out = Buffer.allocUnsafe(head.length + raw.length);
  for (let i = 0; i < head.length; i++) out[i] = head[i];
  raw.copy(out, head.length);
  return out;
}
