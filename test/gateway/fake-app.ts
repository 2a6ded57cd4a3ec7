// A Fastify app on a free loopback port whose routes (registered by the test) serve a fresh FakeService.
import Fastify, { type FastifyInstance } from 'fastify';
import { FakeService } from './fake-service';

export interface FakeApp {
  api: FakeService;
  /** http://127.0.0.1:<port> */
  base: string;
  close(): Promise<void>;
}

export async function startFakeApp(register: (app: FastifyInstance, api: FakeService) => void): Promise<FakeApp> {
  const api = await FakeService.open();
  const app = Fastify();
  register(app, api);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    api,
    base,
    async close() {
      await app.close();
      await api.close();
    },
  };
}
