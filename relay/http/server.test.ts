import { Registry } from 'prom-client';
import { DatabaseError } from '../errors.js';
import { createLogger } from '../logger.js';
import { createFakeStore } from '../testing/fake-store.js';
import { createHttpServer } from './server.js';

describe('the HTTP server', () => {
  const store = createFakeStore({ database: 'shop' });
  let ready = false;
  let kafkaUp = true;
  let kafkaReachable = true;
  let live = { live: true, text: 'live\n' };
  const server = createHttpServer({
    port: 0,
    stores: () => [store],
    kafkaPing: async () => {
      if (!kafkaUp) throw new Error('cannot reach Kafka broker k1:9092: connect ECONNREFUSED');
    },
    kafkaReachable: async () => {
      if (!kafkaReachable) throw new Error('no Kafka broker reachable: k1:9092: connect ECONNREFUSED');
    },
    registry: new Registry(),
    ready: () => ready,
    live: () => live,
    logger: createLogger({ level: 'silent' }),
  });
  let base: string;

  beforeAll(async () => {
    base = `http://127.0.0.1:${await server.listen()}`;
  });
  afterAll(() => server.close());

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: await response.text() };
  };

  it('answers /healthz from a database ping, and checks Kafka only with ?readiness=1', async () => {
    kafkaUp = false;
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await get('/healthz?readiness=1')).toMatchObject({
      status: 503,
      body: expect.stringContaining('Kafka'),
    });
    kafkaUp = true;
    store.failNext('ping', new DatabaseError('connection refused', 'ECONNREFUSED', { retriable: true }));
    expect(await get('/healthz')).toMatchObject({
      status: 503,
      body: expect.stringContaining('connection refused'),
    });
  });

  it('is ready only once migrated and while the databases answer', async () => {
    ready = false;
    expect((await get('/readyz')).status).toBe(503);
    ready = true;
    expect((await get('/readyz')).status).toBe(200);
    store.failNext('ping', new DatabaseError('connection refused', 'ECONNREFUSED', { retriable: true }));
    expect((await get('/readyz')).status).toBe(503);
  });

  it('serves metrics and 404 elsewhere', async () => {
    expect((await get('/metrics')).status).toBe(200);
    expect((await get('/nope')).status).toBe(404);
  });

  it('is not ready while no Kafka broker answers', async () => {
    ready = true;
    kafkaReachable = false;
    expect(await get('/readyz')).toEqual({
      status: 503,
      body: 'not ready: no Kafka broker reachable: k1:9092: connect ECONNREFUSED\n',
    });
    kafkaReachable = true;
    expect((await get('/readyz')).status).toBe(200);
  });

  it("answers /livez from the loops' progress alone, not from the database or Kafka", async () => {
    ready = false;
    kafkaUp = false;
    kafkaReachable = false;
    store.failNext('ping', new DatabaseError('connection refused', 'ECONNREFUSED', { retriable: true }));
    expect(await get('/livez')).toEqual({ status: 200, body: 'live\n' });
    live = {
      live: false,
      text: 'stuck: the relay of database shop made no progress for 200 s (bound 130 s)\n',
    };
    expect(await get('/livez')).toEqual({ status: 503, body: live.text });
    live = { live: true, text: 'live\n' };
    kafkaUp = true;
    kafkaReachable = true;
    await get('/healthz'); // the ping failure injected above is used up
  });
});
