// How the v2 endpoints answer: JSON bodies exactly as etcd writes them (no charset suffix, Go's trailing
// newline where etcd uses json.Encoder) and Go's plain-text answers for methods a path does not allow.
import type { FastifyReply } from 'fastify';
import type { MemberInfoApi } from '../../src/server/api';
import { idToHex } from '../../src/server/cluster-ids';
import type { V2Error } from './errors';
import { goJson } from './node-json';

export const JSON_TYPE = 'application/json';
const GO_TEXT = 'text/plain; charset=utf-8';

/** A Buffer body keeps Fastify from adding "; charset=utf-8" to the content type, which etcd does not send. */
export function sendJson(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', JSON_TYPE).send(Buffer.from(body));
}

export function sendText(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', GO_TEXT).header('x-content-type-options', 'nosniff').send(body);
}

/** Go's http.Error for a method the handler does not serve. */
export function methodNotAllowed(reply: FastifyReply, allow: string[]): FastifyReply {
  return sendText(reply.header('allow', allow.join(',')), 405, 'Method Not Allowed\n');
}

export function clusterIdHeader(info: MemberInfoApi): string {
  return idToHex(info.clusterId);
}

/** v2 keys errors carry only the store index, not the Raft headers. */
export function sendV2Error(reply: FastifyReply, err: V2Error): FastifyReply {
  return sendJson(reply.header('x-etcd-index', String(err.index)), err.status, err.toBody());
}

/** The members API's error shape: {"message": ...}, no trailing newline. */
export function sendHttpError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return sendJson(reply, status, goJson({ message }));
}
