import assert from "node:assert/strict";
import { once } from "node:events";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { GrpcConnection, methodHeaders, UnaryCaller } from "../../bench/h2-grpc";
import { frameMessage } from "../../bench/requests";

/** A stand-in gRPC server whose reply depends on the method path, to exercise each way a call can end. */
let server: http2.Http2Server;
let endpoint: string;
const received: Buffer[] = [];

before(async () => {
  server = http2.createServer();
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      received.push(Buffer.concat(chunks));
      switch (headers[":path"]) {
        case "/ok":
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(frameMessage(Buffer.from([8, 1])));
          break;
        case "/trailers-only":
          stream.respond({ ":status": 200, "grpc-status": "3", "grpc-message": "bad%20key" }, { endStream: true });
          break;
        default:
          stream.respond({ ":status": 404 }, { endStream: true });
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

function call(connection: GrpcConnection, path: string, body: Buffer): Promise<[number, string]> {
  return new Promise((resolve) => {
    const caller = new UnaryCaller(connection, (status, message) => resolve([status, message]));
    caller.call(methodHeaders(path), body);
  });
}

test("a successful call reports status 0 and sends the framed request as the body", async () => {
  const connection = await GrpcConnection.open(endpoint);
  try {
    const body = frameMessage(Buffer.from("hello"));
    assert.deepEqual(await call(connection, "/ok", body), [0, ""]);
    assert.deepEqual(received.at(-1), body);
  } finally {
    connection.close();
  }
});

test("a trailers-only error reports its status and decoded message", async () => {
  const connection = await GrpcConnection.open(endpoint);
  try {
    assert.deepEqual(await call(connection, "/trailers-only", frameMessage(Buffer.alloc(0))), [3, "bad key"]);
  } finally {
    connection.close();
  }
});

test("a reply without grpc-status is an UNKNOWN error", async () => {
  const connection = await GrpcConnection.open(endpoint);
  try {
    const [status, message] = await call(connection, "/missing", frameMessage(Buffer.alloc(0)));
    assert.equal(status, 2);
    assert.match(message, /without a grpc-status/);
  } finally {
    connection.close();
  }
});

test("a call on a destroyed connection fails as UNAVAILABLE", async () => {
  const connection = await GrpcConnection.open(endpoint);
  connection.session.destroy();
  const [status] = await call(connection, "/ok", frameMessage(Buffer.alloc(0)));
  assert.equal(status, 14);
});

test("connecting to a closed port fails with a clear message", async () => {
  await assert.rejects(GrpcConnection.open("127.0.0.1:1"), /cannot connect to 127\.0\.0\.1:1/);
});
