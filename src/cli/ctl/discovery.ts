// --discovery-srv: the endpoints come from the domain's DNS SRV records, as etcdctl finds them:
// _etcd-client-ssl._tcp.<domain> for https endpoints and _etcd-client._tcp.<domain> for http ones (with
// --discovery-srv-name NAME: _etcd-client-ssl-NAME and _etcd-client-NAME).
import { promises as dns, type SrvRecord } from 'node:dns';
import { CtlError, ExitCode } from './errors';

export type SrvLookup = (name: string) => Promise<SrvRecord[]>;

/** The SRV service label etcd queries for one scheme. */
export function srvService(serviceName: string, scheme: 'https' | 'http'): string {
  const service = scheme === 'https' ? 'etcd-client-ssl' : 'etcd-client';
  return serviceName === '' ? service : `${service}-${serviceName}`;
}

/**
 * Endpoints from the SRV records of `domain`, https ones first, each record set in priority order. Unless
 * `insecure`, http endpoints are dropped with a note on `warn`. Fails only when neither lookup answers.
 */
export async function discoverEndpoints(
  domain: string,
  serviceName: string,
  insecure: boolean,
  warn: (line: string) => void,
  lookup: SrvLookup = (name) => dns.resolveSrv(name),
): Promise<string[]> {
  const endpoints: string[] = [];
  const errors: string[] = [];
  for (const scheme of ['https', 'http'] as const) {
    const name = `_${srvService(serviceName, scheme)}._tcp.${domain}`;
    try {
      const records = [...(await lookup(name))].sort((a, b) => a.priority - b.priority || b.weight - a.weight);
      // Go reports SRV targets fully qualified, with the root's dot, and etcdctl keeps them that way.
      for (const r of records) endpoints.push(`${scheme}://${r.name.endsWith('.') ? r.name : `${r.name}.`}:${r.port}`);
    } catch (err) {
      errors.push(`lookup ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (errors.length === 2) throw new CtlError(ExitCode.error, `dns lookup errors: ${errors[0]} and ${errors[1]}`);
  if (insecure) return endpoints;
  return endpoints.filter((ep) => {
    if (!ep.startsWith('http://')) return true;
    warn(`ignoring discovered insecure endpoint "${ep}"\n`);
    return false;
  });
}
