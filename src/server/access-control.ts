// etcd's checks in front of every HTTP/1.1 client request: the Host whitelist that blocks DNS
// rebinding on plaintext listeners, CORS headers, and blanket 200 answers to OPTIONS pre-flights.
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface AccessRules {
  /** Allowed origins; empty or containing '*' allows every origin (etcd's --cors). */
  cors: string[];
  /** Host names accepted over plaintext; empty or containing '*' accepts all (etcd's --host-whitelist). */
  hostWhitelist: string[];
}

function allows(list: Set<string>, value: string): boolean {
  return list.size === 0 || list.has('*') || list.has(value);
}

/** The Host header without its port (kept whole when it has no valid port part). */
function hostname(request: FastifyRequest): string {
  const host = request.headers.host ?? '';
  const m = /^(?:\[([^\]]*)\]|([^:]*)):[^:]*$/.exec(host);
  return m ? (m[1] ?? m[2]) : host;
}

function rebindingMessage(host: string): string {
  return [
    '',
    `This server does not accept HTTP requests for host "${host}" (protection against DNS rebinding,`,
    'CVE-2018-5702). Either use TLS, or add the host name to --host-whitelist, for example:',
    `  tetcd --host-whitelist ${JSON.stringify(host)}`,
    '',
  ].join('\n');
}

export function registerAccessControl(app: FastifyInstance, rules: AccessRules): void {
  const cors = new Set(rules.cors);
  const hosts = new Set(rules.hostWhitelist);
  app.addHook('onRequest', async (request, reply) => {
    const secure = (request.raw.socket as TLSSocket).encrypted === true;
    if (!secure) {
      const host = hostname(request);
      if (!allows(hosts, host)) {
        return reply.code(421).header('content-type', 'text/plain; charset=utf-8').send(`${rebindingMessage(host)}\n`);
      }
    }
    const origin = cors.size === 0 || cors.has('*') ? '*' : request.headers.origin;
    if (origin !== undefined && allows(cors, origin)) {
      reply.header('access-control-allow-methods', 'POST, GET, OPTIONS, PUT, DELETE');
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-headers', 'accept, content-type, authorization');
    }
    if (request.method === 'OPTIONS') return reply.code(200).send();
    return undefined;
  });
}
