import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../src/config';
import { clientTlsOptions } from '../../src/server/client-tls';

const fixtures = path.resolve(__dirname, __filename.endsWith('.ts') ? '.' : '../../../test/server', 'fixtures');
const cert = path.join(fixtures, 'client-listener-cert.pem');
const key = path.join(fixtures, 'client-listener-key.pem');

describe('client TLS options from the config', () => {
  it('is undefined without a certificate', () => {
    assert.equal(clientTlsOptions(defaultConfig()), undefined);
  });

  it('loads files, enables client certificates and maps Go cipher names', () => {
    const cfg = {
      ...defaultConfig(),
      certFile: cert,
      keyFile: key,
      trustedCaFile: cert,
      clientCertAuth: true,
      cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'],
    };
    const options = clientTlsOptions(cfg);
    assert.ok(options);
    assert.ok(Buffer.isBuffer(options.cert) && options.cert.length > 0);
    assert.ok(Buffer.isBuffer(options.ca));
    assert.equal(options.requestCert, true);
    assert.equal(options.rejectUnauthorized, true);
    assert.equal(options.ciphers, 'ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384');
    assert.equal(options.minVersion, 'TLSv1.2');
  });

  it('names the flag whose file cannot be read', () => {
    assert.throws(() => clientTlsOptions({ ...defaultConfig(), certFile: '/nonexistent/c.pem', keyFile: key }), /--cert-file/);
  });

  it('leaves --auto-tls to clientTlsSource, which makes the certificate', () => {
    const cfg = { ...defaultConfig(), autoTls: true };
    assert.equal(clientTlsOptions(cfg), undefined);
  });
});
