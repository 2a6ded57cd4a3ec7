// Test certificates made with the openssl command line: a CA, server/peer certificates valid for 127.0.0.1 and
// localhost, client certificates, an expired one, and a second CA that nobody trusts. EC P-256 keys keep it fast.
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface CertAuthority extends KeyPair {
  name: string;
}

export interface IssueOptions {
  cn: string;
  /** Default: server and client use, so one certificate serves a member in both directions. */
  usage?: 'server' | 'client' | 'both';
  /** Valid for 127.0.0.1 and localhost unless empty. */
  sans?: string[];
  /** Negative: already expired. Default 2. */
  days?: number;
  /** Output file stem in the certs dir; defaults to the CN. */
  file?: string;
}

/** True when the openssl command is installed (CI's setup installs it). */
export function haveOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

let serial = Date.now();

export class TestCerts {
  readonly dir: string;

  constructor(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-certs-'))) {
    this.dir = dir;
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private newKey(file: string): void {
    this.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', file]);
  }

  /** A self-signed CA valid for two days. */
  ca(name: string): CertAuthority {
    const key = path.join(this.dir, `${name}-key.pem`);
    const cert = path.join(this.dir, `${name}.pem`);
    this.newKey(key);
    this.openssl(['req', '-x509', '-new', '-key', key, '-out', cert, '-subj', `/CN=${name}`, '-days', '2',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return { name, cert, key };
  }

  /** A certificate signed by `ca`. */
  issue(ca: CertAuthority, opts: IssueOptions): KeyPair {
    const stem = opts.file ?? opts.cn;
    const key = path.join(this.dir, `${stem}-key.pem`);
    const cert = path.join(this.dir, `${stem}.pem`);
    const csr = path.join(this.dir, `${stem}.csr`);
    const ext = path.join(this.dir, `${stem}.ext`);
    const usage = opts.usage ?? 'both';
    const eku = usage === 'server' ? 'serverAuth' : usage === 'client' ? 'clientAuth' : 'serverAuth,clientAuth';
    const sans = opts.sans ?? ['IP:127.0.0.1', 'DNS:localhost'];
    const lines = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${eku}`];
    if (sans.length > 0) lines.push(`subjectAltName=${sans.join(',')}`);
    fs.writeFileSync(ext, lines.join('\n') + '\n');
    this.newKey(key);
    this.openssl(['req', '-new', '-key', key, '-out', csr, '-subj', `/CN=${opts.cn}`]);
    this.openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(++serial),
      '-days', String(opts.days ?? 2), '-extfile', ext, '-out', cert]);
    return { cert, key };
  }
}

/** Everything the TLS tests use, made once into one temp dir. */
export interface CertSet {
  certs: TestCerts;
  ca: CertAuthority;
  /** A CA unrelated to `ca`. */
  otherCa: CertAuthority;
  server: KeyPair;
  /** CN=user, client use only. */
  client: KeyPair;
  /** CN=user, signed by `ca`, expired yesterday. */
  expiredClient: KeyPair;
  /** CN=user, signed by `otherCa`. */
  foreignClient: KeyPair;
}

export function makeCertSet(): CertSet {
  const certs = new TestCerts();
  const ca = certs.ca('ca');
  const otherCa = certs.ca('other-ca');
  return {
    certs,
    ca,
    otherCa,
    server: certs.issue(ca, { cn: 'server', file: 'server' }),
    client: certs.issue(ca, { cn: 'user', usage: 'client', sans: [], file: 'client' }),
    expiredClient: certs.issue(ca, { cn: 'user', usage: 'client', sans: [], days: -1, file: 'expired-client' }),
    foreignClient: certs.issue(otherCa, { cn: 'user', usage: 'client', sans: [], file: 'foreign-client' }),
  };
}

/** The SHA-256 fingerprint of a PEM certificate file, in Node's colon-separated form. */
export function fingerprintOf(certFile: string): string {
  return new X509Certificate(fs.readFileSync(certFile)).fingerprint256;
}

export function removeCerts(set: { certs: TestCerts }): void {
  fs.rmSync(set.certs.dir, { recursive: true, force: true });
}
