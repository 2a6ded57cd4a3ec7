// etcd's v2 HTTP API on top of the v3 service layer: /v2/keys plus the cluster and stats endpoints.
import type { FastifyInstance } from 'fastify';
import type { ServiceApi } from '../../src/server/api';
import { registerV2Cluster } from './cluster-routes';
import { registerV2Keys } from './keys-routes';
import { StoreStats } from './stats';

export { registerV2Cluster } from './cluster-routes';
export { registerV2Keys } from './keys-routes';
export { DEFAULT_V2_PREFIX } from './keyspace';

/** Both halves of the v2 API, sharing the store statistics. */
export function registerV2(app: FastifyInstance, api: ServiceApi, opts: { prefix?: string } = {}): void {
  const stats = new StoreStats();
  registerV2Keys(app, api, { prefix: opts.prefix, stats });
  registerV2Cluster(app, api, { stats });
}
