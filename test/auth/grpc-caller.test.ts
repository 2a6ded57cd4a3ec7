import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { AuthApi, Caller } from '../../src/server/api';
import { callerOf, type CallCredentials } from '../../src/server/grpc-caller';

const api = {
  callerFromToken: async (token: string): Promise<Caller> => {
    if (token !== 'good.1') throw new Error('etcdserver: invalid auth token');
    return { user: 'alice', revision: 5n };
  },
  callerFromCommonName: (cn: string): Caller => ({ user: cn, revision: 7n }),
} as AuthApi;

function call(md: Record<string, string>, cn?: string): CallCredentials {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(md)) metadata.set(k, v);
  return {
    metadata,
    getPeer: () => '127.0.0.1:5555',
    getAuthContext: () => (cn ? { sslPeerCertificate: { subject: { CN: cn } } } : {}),
  };
}

describe('who a gRPC call comes from', () => {
  it('takes the token from "token", or from "authorization" as the gateway sends it', async () => {
    assert.deepEqual(await callerOf(api, call({ token: 'good.1' }), false), { user: 'alice', revision: 5n });
    assert.deepEqual(await callerOf(api, call({ authorization: 'good.1' }), false), { user: 'alice', revision: 5n });
    await assert.rejects(callerOf(api, call({ token: 'bad' }), true, () => 'bob'), /invalid auth token/);
  });

  it('falls back to the certificate CN only with --client-cert-auth, and never for the gateway', async () => {
    assert.equal(await callerOf(api, call({}, 'carol'), false), undefined);
    assert.deepEqual(await callerOf(api, call({}, 'carol'), true), { user: 'carol', revision: 7n });
    assert.equal(await callerOf(api, call({ 'grpcgateway-accept': 'application/json' }, 'carol'), true), undefined);
    assert.deepEqual(await callerOf(api, call({}), true, (peer) => (peer === '127.0.0.1:5555' ? 'dave' : undefined)), {
      user: 'dave',
      revision: 7n,
    });
    assert.equal(await callerOf(api, call({}), true), undefined);
  });
});
