import { createLogger } from '../logger.js';
import { loadConfig } from '../config/config.js';
import { createFakeStore } from '../testing/fake-store.js';
import { cleanupJob, describeMigration, formatStatus, requeueJob } from './jobs.js';

const logger = createLogger({ level: 'silent' });
const env = { DB_HOST: 'h', DB_USER: 'u', DB_NAME: 'a', DB_DRIVER: 'postgres', KAFKA_HOST: 'k:9092' };

describe('the one-shot jobs', () => {
  it('prints status as an aligned table, with - when nothing is pending', () => {
    expect(
      formatStatus([
        { database: 'orders', pending: 12, errored: 1, total: 40, oldestPendingAgeSeconds: 3.4 },
        { database: 'b', pending: 0, errored: 0, total: 0, oldestPendingAgeSeconds: null },
      ]),
    ).toEqual([
      'DATABASE  PENDING  ERRORED  OLDEST PENDING  TOTAL',
      'orders    12       1        3s              40',
      'b         0        0        -               0',
    ]);
  });

  it('says what a migration did, the notify trigger included', () => {
    expect(describeMigration('a', { applied: [], adoptedGoRelayTable: false })).toBe('a: up to date');
    expect(
      describeMigration('a', { applied: [], adoptedGoRelayTable: false, notifyTrigger: 'dropped' }),
    ).toBe('a: up to date; notify trigger dropped');
    expect(
      describeMigration('b', {
        applied: ['002_claim_index', '003_insert_notify_trigger'],
        adoptedGoRelayTable: true,
        notifyTrigger: 'dropped',
      }),
    ).toBe(
      'b: applied 002_claim_index, 003_insert_notify_trigger (adopted the Go relay table); notify trigger dropped',
    );
  });

  it('says how many rows a requeue returned to the queue', async () => {
    const store = createFakeStore({ database: 'a' });
    store.insert({ topic: 't' });
    store.rows[0]!.errored = true;
    expect(await requeueJob({ config: loadConfig(env), stores: [store], logger }, 'all')).toEqual([
      'a: requeued 1 errored row',
    ]);
  });

  it('tells the sidecar to quit after cleanup even when cleanup fails', async () => {
    const store = createFakeStore({ database: 'a' });
    store.cleanup = async () => {
      throw new Error('table missing');
    };
    const posts: string[] = [];
    const fetchFn = (async (url: string, init: RequestInit) => {
      posts.push(`${init.method} ${url}`);
      return new Response('ok');
    }) as typeof fetch;
    const config = loadConfig({ ...env, SIDECAR_PROXY_URL: 'http://127.0.0.1:15020/' });
    await expect(cleanupJob({ config, stores: [store], logger, fetchFn })).rejects.toThrow('table missing');
    expect(posts).toEqual(['POST http://127.0.0.1:15020/quitquitquit']);
  });
});
