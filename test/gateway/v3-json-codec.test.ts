// The JSON reader and the proto-driven codec behind the v3 gateway: Go's jsonpb behaviour, field by field.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as rpc from '../../src/gen/etcdserverpb/rpc';
import * as kvpb from '../../src/gen/mvccpb/kv';
import * as lockpb from '../../src/gen/v3lockpb/v3lock';
import * as electionpb from '../../src/gen/v3electionpb/v3election';
import { decodeFirst, JsonStreamDecoder, JsonSyntaxError, unmarshal, type JsonValue } from '../../gateway/v3/go-json';
import { decodeGoBase64, decodeRequest, encodeMessage, goQuote, JsonDecodeError } from '../../gateway/v3/json-codec';
import { loadProtoSchema, protocJsonName, tsProtoPropertyName } from '../../gateway/v3/proto-schema';

const schema = loadProtoSchema();

/** ts-proto's own default object for a message (what it decodes from no bytes), with `fields` set on top. */
function make<T>(fns: { decode(input: Uint8Array): T }, fields: Partial<T> = {}): T {
  return { ...fns.decode(new Uint8Array(0)), ...fields };
}

function decode(message: string, json: string): Record<string, unknown> {
  return decodeRequest(schema.message(message), decodeFirst(Buffer.from(json)));
}

function decodeError(message: string, json: string): string {
  try {
    decode(message, json);
  } catch (err) {
    assert.ok(err instanceof JsonSyntaxError || err instanceof JsonDecodeError, String(err));
    return err.message;
  }
  assert.fail(`${json} decoded`);
}

describe('proto schema', () => {
  test('names follow protoc (JSON) and ts-proto (properties)', () => {
    assert.equal(protocJsonName('cluster_id'), 'clusterId');
    assert.equal(protocJsonName('TTL'), 'TTL');
    assert.equal(protocJsonName('grantedTTL'), 'grantedTTL');
    assert.equal(tsProtoPropertyName('request_delete_range'), 'requestDeleteRange');
    assert.equal(tsProtoPropertyName('ID'), 'ID');
  });

  test("every message's plan matches the object ts-proto builds for it, defaults included", () => {
    const modules: Array<[string, Record<string, unknown>]> = [
      ['etcdserverpb', rpc],
      ['mvccpb', kvpb],
      ['v3lockpb', lockpb],
      ['v3electionpb', electionpb],
    ];
    let checked = 0;
    for (const [pkg, mod] of modules) {
      for (const [name, value] of Object.entries(mod)) {
        const fns = value as { decode?: (input: Uint8Array) => object; encode?: unknown };
        if (typeof fns?.decode !== 'function' || typeof fns.encode !== 'function') continue;
        const plan = schema.message(`${pkg}.${name.replace(/_/g, '.')}`);
        assert.deepEqual(decodeRequest(plan, undefined), make({ decode: fns.decode }), `${pkg}.${name}`);
        checked++;
      }
    }
    assert.ok(checked > 80, `checked ${checked} messages`);
  });
});

describe('JSON output', () => {
  test('strings are escaped the way Go escapes them', () => {
    assert.equal(goQuote('plain'), '"plain"');
    assert.equal(goQuote('<a&b>'), '"\\u003ca\\u0026b\\u003e"');
    assert.equal(goQuote('tab\there\nq"\\'), '"tab\\there\\nq\\"\\\\"');
    assert.equal(goQuote('\b\u0001'), '"\\u0008\\u0001"');
    assert.equal(goQuote('\u2028é😀'), '"\\u2028é😀"');
    assert.equal(goQuote('\ud800x'), '"\ufffdx"');
  });

  test('defaults are left out, 64-bit integers quoted, 32-bit ones not, enums by name', () => {
    const plan = schema.message('etcdserverpb.WatchCreateRequest');
    assert.equal(encodeMessage(plan, make(rpc.WatchCreateRequest)), '{}');
    const json = encodeMessage(plan, make(rpc.WatchCreateRequest, { key: Buffer.from('k'), startRevision: 12345678901234567n, filters: [1, 0, 9 as rpc.WatchCreateRequest_FilterType], prevKv: true }));
    assert.equal(json, '{"key":"aw==","start_revision":"12345678901234567","filters":["NODELETE","NOPUT",9],"prev_kv":true}');
    const hash = encodeMessage(schema.message('etcdserverpb.HashResponse'), { hash: 4294967295 });
    assert.equal(hash, '{"hash":4294967295}');
  });

  test('a set oneof member is written even when it holds its default; an empty message as {}', () => {
    const plan = schema.message('etcdserverpb.Compare');
    assert.equal(encodeMessage(plan, make(rpc.Compare, { target: 0, version: 0n })), '{"version":"0"}');
    const txn = schema.message('etcdserverpb.TxnResponse');
    assert.equal(encodeMessage(txn, { header: make(rpc.ResponseHeader), responses: [{ responseTxn: {} }] }), '{"header":{},"responses":[{"response_txn":{}}]}');
  });
});

describe('JSON input', () => {
  test('proto names and JSON names are both accepted; unknown keys ignored; the last duplicate wins', () => {
    const req = decode('etcdserverpb.RangeRequest', '{"range_end":"Yg==","keysOnly":true,"nope":[1,{"x":2}],"limit":"1","limit":2}');
    assert.deepEqual(req.rangeEnd, Buffer.from('b'));
    assert.equal(req.keysOnly, true);
    assert.equal(req.limit, 2n);
    // JSON names are exact: "ttl" is not "TTL".
    assert.equal(decode('etcdserverpb.LeaseGrantRequest', '{"ttl":5}').TTL, 0n);
  });

  test('64-bit integers keep every digit, quoted or not', () => {
    assert.equal(decode('etcdserverpb.MemberRemoveRequest', '{"ID":13668033151171901709}').ID, 13668033151171901709n);
    assert.equal(decode('etcdserverpb.MemberRemoveRequest', '{"ID":"18446744073709551615"}').ID, 18446744073709551615n);
    assert.equal(decode('etcdserverpb.LeaseGrantRequest', '{"ID":"-9223372036854775808"}').ID, -9223372036854775808n);
    assert.equal(decode('etcdserverpb.LeaseGrantRequest', '{"TTL":" 5 "}').TTL, 5n);
    assert.equal(decode('etcdserverpb.LeaseGrantRequest', '{"TTL":null}').TTL, 0n);
  });

  test('integers Go would not take are refused with its message', () => {
    assert.equal(decodeError('etcdserverpb.MemberRemoveRequest', '{"ID":-1}'), 'json: cannot unmarshal number -1 into Go value of type uint64');
    assert.equal(decodeError('etcdserverpb.LeaseGrantRequest', '{"ID":"9223372036854775808"}'), 'json: cannot unmarshal number 9223372036854775808 into Go value of type int64');
    assert.equal(decodeError('etcdserverpb.LeaseGrantRequest', '{"TTL":1e3}'), 'json: cannot unmarshal number 1e3 into Go value of type int64');
    assert.equal(decodeError('etcdserverpb.LeaseGrantRequest', '{"TTL":"+5"}'), "invalid character '+' looking for beginning of value");
    assert.equal(decodeError('etcdserverpb.LeaseGrantRequest', '{"TTL":"010"}'), "invalid character '1' after top-level value");
    assert.equal(decodeError('etcdserverpb.LeaseGrantRequest', '{"TTL":""}'), 'unexpected end of JSON input');
    assert.equal(decodeError('etcdserverpb.LeaseGrantRequest', '{"TTL":[]}'), 'json: cannot unmarshal array into Go value of type int64');
  });

  test('enums by name or number; unknown names refused', () => {
    assert.equal(decode('etcdserverpb.RangeRequest', '{"sort_order":"DESCEND"}').sortOrder, 2);
    assert.equal(decode('etcdserverpb.RangeRequest', '{"sort_order":7}').sortOrder, 7);
    assert.deepEqual(decode('etcdserverpb.WatchCreateRequest', '{"filters":["NODELETE",0]}').filters, [1, 0]);
    assert.equal(decodeError('etcdserverpb.RangeRequest', '{"sort_order":"1"}'), 'unknown value "1" for enum etcdserverpb.RangeRequest_SortOrder');
    assert.equal(decodeError('mvccpb.Event', '{"type":{}}'), 'json: cannot unmarshal object into Go value of type mvccpb.Event_EventType');
  });

  test('wrong JSON types are refused with Go type names', () => {
    assert.equal(decodeError('etcdserverpb.RangeRequest', '{"serializable":"true"}'), 'json: cannot unmarshal string into Go value of type bool');
    assert.equal(decodeError('etcdserverpb.RangeRequest', '{"key":5}'), 'json: cannot unmarshal number into Go value of type []uint8');
    assert.equal(decodeError('etcdserverpb.TxnRequest', '{"compare":{}}'), 'json: cannot unmarshal object into Go value of type []json.RawMessage');
    assert.equal(decodeError('etcdserverpb.TxnRequest', '{"success":[{"request_put":5}]}'), 'json: cannot unmarshal number into Go value of type map[string]json.RawMessage');
    assert.equal(decodeError('etcdserverpb.MemberAddRequest', '{"peerURLs":[5]}'), 'json: cannot unmarshal number into Go value of type string');
    assert.equal(decodeError('etcdserverpb.RangeRequest', '[]'), 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage');
  });

  test('null and an empty body mean an empty request', () => {
    assert.deepEqual(decode('etcdserverpb.RangeRequest', 'null'), make(rpc.RangeRequest));
    assert.deepEqual(decode('etcdserverpb.RangeRequest', '  \n'), make(rpc.RangeRequest));
    assert.deepEqual(decode('etcdserverpb.TxnRequest', '{"success":[null]}').success, [make(rpc.RequestOp)]);
  });

  test('one oneof member at most: the one declared last wins, whatever the JSON order', () => {
    for (const json of ['{"request_put":{"key":"YQ=="},"request_range":{"key":"Yg=="}}', '{"request_range":{"key":"Yg=="},"request_put":{"key":"YQ=="}}']) {
      const req = decode('etcdserverpb.RequestOp', json);
      assert.equal(req.requestRange, undefined, json);
      assert.deepEqual((req.requestPut as rpc.PutRequest).key, Buffer.from('a'), json);
    }
    assert.equal(decode('etcdserverpb.Compare', '{"version":"0"}').version, 0n);
  });

  test('bytes are standard base64 with padding; Go names the offending byte', () => {
    assert.deepEqual(decodeGoBase64('Zm9\nv'), Buffer.from('foo'));
    assert.deepEqual(decodeGoBase64(''), Buffer.alloc(0));
    const message = (s: string): string => {
      try {
        decodeGoBase64(s);
      } catch (err) {
        assert.ok(err instanceof JsonDecodeError);
        return err.message;
      }
      return 'decoded';
    };
    assert.equal(message('Zm9'), 'illegal base64 data at input byte 0');
    assert.equal(message('Zm9v=='), 'illegal base64 data at input byte 4');
    assert.equal(message('Zm-v'), 'illegal base64 data at input byte 2');
    assert.equal(message('Zm9vYg='), 'illegal base64 data at input byte 7');
    assert.equal(message('Zm9vYg==x'), 'illegal base64 data at input byte 8');
  });
});

describe('Go JSON syntax', () => {
  const syntaxError = (text: string): string => {
    try {
      decodeFirst(Buffer.from(text));
    } catch (err) {
      assert.ok(err instanceof JsonSyntaxError);
      return err.message;
    }
    assert.fail(`${text} parsed`);
  };

  test('errors read like Go encoding/json', () => {
    assert.equal(syntaxError('{"key":"Zm9v"'), 'unexpected EOF');
    assert.equal(syntaxError('{"key" "x"}'), `invalid character '"' after object key`);
    assert.equal(syntaxError('{"key":"x" x'), "invalid character 'x' after object key:value pair");
    assert.equal(syntaxError('{"key":"x",}'), "invalid character '}' looking for beginning of object key string");
    assert.equal(syntaxError('{"key":tru}'), "invalid character '}' in literal true (expecting 'e')");
    assert.equal(syntaxError('{"key":"\\u00zz"}'), "invalid character 'z' in \\u hexadecimal character escape");
    assert.equal(syntaxError('[1 2]'), "invalid character '2' after array element");
    assert.equal(syntaxError('"a\nb"'), "invalid character '\\n' in string literal");
    assert.equal(syntaxError('-x'), "invalid character 'x' in numeric literal");
    assert.equal(syntaxError('1.x'), "invalid character 'x' after decimal point in numeric literal");
    assert.equal(syntaxError("'"), "invalid character '\\'' looking for beginning of value");
    assert.equal(syntaxError(Buffer.from([0xff]).toString('latin1')), "invalid character 'Ã' looking for beginning of value");
  });

  test('a document is its first value; what follows is not read', () => {
    assert.deepEqual(decodeFirst(Buffer.from('{"a":1} garbage')), new Map([['a', unmarshal('1')]]));
    assert.throws(() => unmarshal('1 2'), /after top-level value/);
  });

  test('string escapes, surrogate pairs and UTF-8 come out as the characters they stand for', () => {
    assert.equal(unmarshal('"\\ud83d\\ude00 \\u00e9 é \\/ \\t"'), '😀 é é / \t');
    assert.equal(unmarshal('"\\ud83d x"'), '\ufffd x');
  });

  test('a streamed body yields each value once it is complete, whatever the chunking', () => {
    const text = '{"create_request":{"key":"YQ=="}} {"progress_request":{}}\n{"cancel_request":{"watch_id":"123"}} 42';
    for (let cut = 1; cut < text.length; cut += 7) {
      const decoder = new JsonStreamDecoder();
      const values: JsonValue[] = [];
      values.push(...decoder.push(Buffer.from(text.slice(0, cut))).values);
      values.push(...decoder.push(Buffer.from(text.slice(cut))).values);
      assert.equal(values.length, 3, `cut at ${cut}: the trailing number may go on`);
      const end = decoder.end();
      assert.equal(end.error, undefined);
      assert.equal(values.length + end.values.length, 4, `cut at ${cut}`);
    }
  });

  test('a streamed body that goes wrong yields the values before the error, then nothing', () => {
    const decoder = new JsonStreamDecoder();
    const first = decoder.push(Buffer.from('{"a":1} {"b" 2} {"c":3}'));
    assert.equal(first.values.length, 1);
    assert.equal(first.error?.message, `invalid character '2' after object key`);
    assert.deepEqual(decoder.push(Buffer.from('{"d":4}')), { values: [] });
    const truncated = new JsonStreamDecoder();
    truncated.push(Buffer.from('{"a":'));
    assert.equal(truncated.end().error?.message, 'unexpected EOF');
  });
});
