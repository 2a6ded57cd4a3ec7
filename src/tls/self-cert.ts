// --auto-tls and --peer-auto-tls: like etcd, make a self-signed certificate for the listen URLs' hosts once, keep
// it in <data-dir>/fixtures/{client,peer}, and reuse it on later starts.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface SelfCertFiles {
  certFile: string;
  keyFile: string;
}

/** etcd's self-signed certificates last a year. */
const VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;

function hostOf(url: string): string {
  const { hostname } = new URL(url);
  // WHATWG keeps IPv6 literals bracketed.
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/** Returns cert.pem and key.pem in `dir`, creating them for the hosts of `urls` when either is missing. */
export async function selfCert(dir: string, urls: string[]): Promise<SelfCertFiles> {
  const files = { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') };
  if (fs.existsSync(files.certFile) && fs.existsSync(files.keyFile)) return files;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hosts = [...new Set(urls.map(hostOf).filter((h) => h !== ''))];
  const now = new Date();
  const pems = await generate([{ name: 'organizationName', value: 'etcd' }], {
    keyType: 'ec',
    curve: 'P-521',
    algorithm: 'sha512',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + VALIDITY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      // The peer certificate is also presented when dialling other members.
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      {
        name: 'subjectAltName',
        altNames: hosts.map((h) => (net.isIP(h) !== 0 ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })),
      },
    ],
  });
  fs.writeFileSync(files.keyFile, pems.private, { mode: 0o600 });
  fs.writeFileSync(files.certFile, pems.cert, { mode: 0o644 });
  return files;
}
