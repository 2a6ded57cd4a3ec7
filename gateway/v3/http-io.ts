// Request bodies in and gateway responses out, in the exact form grpc-gateway produces them.
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { EtcdError, statusOf } from '../../src/server/errors';
import { errorBody, httpStatusFromGrpc, streamErrorChunk } from './gateway-errors';
import { JsonStreamDecoder, JsonSyntaxError, type JsonValue } from './go-json';
import { JsonDecodeError } from './json-codec';

/** The whole body of a unary request (empty when there is none); more than `limit` bytes is refused as etcd would. */
export async function readBody(body: Readable | undefined, limit: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new EtcdError('requestTooLarge');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The JSON values of a streamed request body as they arrive; throws JsonSyntaxError where the body goes wrong. */
export async function* jsonValues(body: Readable | undefined): AsyncGenerator<JsonValue> {
  if (!body) return;
  const decoder = new JsonStreamDecoder();
  for await (const chunk of body) {
    const { values, error } = decoder.push(chunk as Buffer);
    yield* values;
    if (error) throw error;
  }
  const { values, error } = decoder.end();
  yield* values;
  if (error) throw error;
}

const JSON_TYPE = 'application/json';

/** A successful unary call. */
export function sendJson(reply: FastifyReply, text: string): FastifyReply {
  // A Buffer keeps Fastify from appending "; charset=utf-8", which etcd's gateway does not send.
  return reply
    .code(200)
    .header('content-type', JSON_TYPE)
    .header('grpc-metadata-content-type', 'application/grpc')
    .send(Buffer.from(text));
}

/**
 * A failed unary call. Errors from the service carry the gRPC trailer grpc-gateway forwards; errors found while
 * reading the request (`fromService` false) do not, since no call was made.
 */
export function sendError(reply: FastifyReply, code: number, message: string, fromService: boolean): FastifyReply {
  reply.code(httpStatusFromGrpc(code)).header('content-type', JSON_TYPE);
  if (fromService) reply.trailer('grpc-trailer-content-type', async () => 'application/grpc');
  return reply.send(Buffer.from(errorBody(code, message)));
}

/**
 * The status of a request that could not be read. grpc-gateway reports JSON it cannot decode as INVALID_ARGUMENT
 * for unary and server-streaming calls but passes the bare error (UNKNOWN) for the first message of a
 * bidirectional stream; `decodeCode` says which.
 */
export function requestErrorStatus(err: unknown, decodeCode: number): { code: number; message: string } {
  if (err instanceof JsonSyntaxError || err instanceof JsonDecodeError) return { code: decodeCode, message: err.message };
  return statusOf(err);
}

/**
 * A streamed response: newline-delimited `{"result":…}` objects, ended by an error chunk if the call fails.
 * Takes the raw response over from Fastify, so it keeps any headers already set on the reply (CORS).
 */
export class ResultStream {
  private headWritten = false;
  private closed = false;
  private readonly onCloseHandlers: Array<() => void> = [];

  constructor(private readonly reply: FastifyReply) {
    reply.hijack();
    reply.raw.on('close', () => {
      this.closed = true;
      for (const handler of this.onCloseHandlers) handler();
    });
  }

  /** Runs `handler` once the client is gone or the response is over. */
  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.onCloseHandlers.push(handler);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private writeHead(status: number): void {
    if (this.headWritten) return;
    this.headWritten = true;
    const raw = this.reply.raw;
    for (const [name, value] of Object.entries(this.reply.getHeaders())) {
      if (value !== undefined) raw.setHeader(name, value);
    }
    raw.setHeader('content-type', JSON_TYPE);
    raw.setHeader('grpc-metadata-content-type', 'application/grpc');
    raw.writeHead(status);
  }

  /** Starts the 200 response before the first result, as grpc-gateway does once the call is set up. */
  open(): void {
    this.writeHead(200);
    this.reply.raw.flushHeaders();
  }

  /** Writes one result; resolves when the client has taken it, so a slow reader slows the producer. */
  async result(messageJson: string): Promise<void> {
    if (this.closed) return;
    this.writeHead(200);
    if (!this.reply.raw.write('{"result":' + messageJson + '}\n')) {
      await new Promise<void>((resolve) => {
        this.reply.raw.once('drain', resolve);
        this.onClose(resolve);
      });
    }
  }

  /** Ends the stream with grpc-gateway's error chunk (its HTTP status too, if nothing was sent yet). */
  fail({ code, message }: { code: number; message: string }): void {
    if (this.closed) return;
    this.writeHead(httpStatusFromGrpc(code));
    this.reply.raw.end(streamErrorChunk(code, message));
  }

  end(): void {
    if (this.closed) return;
    this.writeHead(200);
    this.reply.raw.end();
  }
}
