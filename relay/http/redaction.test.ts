// A regression test for secrets in errors: a driver error that echoes the database password (in its
// message, its stack, a field and the errors of its cause chain) reaches the logs, /healthz, /readyz and
// /metrics only with the password taken out.
import { Writable } from 'node:stream';
import { toDatabaseError } from '../db/classify.js';
import { postgresErrors } from '../db/postgres/errors.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { createFakeStore } from '../testing/fake-store.js';
import { createHttpServer } from './server.js';

const PASSWORD = 'pw-echoed-4f1d';

function echoingError(code: string): Error {
  const socket = Object.assign(new Error(`socket closed while sending ${PASSWORD}`), { code: 'ECONNRESET' });
  const wrapper = Object.assign(new Error(`retry gave up (${PASSWORD})`, { cause: socket }), {
    originalError: socket,
  });
  return Object.assign(new Error(`server said: bad value "${PASSWORD}"`, { cause: wrapper }), {
    code,
    detail: `DETAIL: ${PASSWORD}`,
  });
}

const context = {
  driver: 'postgres' as const,
  database: 'shop',
  operation: 'ping',
  password: PASSWORD,
  server: { host: 'db', port: 5432, user: 'relay', tls: { mode: 'disable' as const } },
};

describe('an error that echoes the password', () => {
  const lines: string[] = [];
  const logger = createLogger(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const store = createFakeStore({ database: 'shop' });
  let next = (): Error => toDatabaseError(postgresErrors, echoingError('57P01'), context);
  store.ping = async () => {
    throw next();
  };
  store.status = async () => {
    throw next();
  };
  const metrics = createMetrics({ stores: () => [store], logger });
  const server = createHttpServer({
    port: 0,
    stores: () => [store],
    registry: metrics.registry,
    ready: () => true,
    logger,
  });
  let base: string;
  beforeAll(async () => {
    base = `http://127.0.0.1:${await server.listen()}`;
  });
  afterAll(() => server.close());

  const bodies = async () =>
    Promise.all(['/healthz', '/readyz', '/metrics'].map(async (p) => (await fetch(`${base}${p}`)).text()));

  it.each([
    ['a retriable DatabaseError', () => toDatabaseError(postgresErrors, echoingError('57P01'), context)],
    [
      'a refusal (ConfigError naming DB_PASS)',
      () => toDatabaseError(postgresErrors, echoingError('28P01'), context),
    ],
  ])('as %s shows it nowhere: logs, /healthz, /readyz, /metrics', async (_kind, make) => {
    next = make;
    lines.length = 0;
    metrics.retries.inc({ database: 'shop', operation: 'ping' });
    const shown = (await bodies()).join('\n');
    expect(shown).toContain('unhealthy');
    expect(shown).toContain('[redacted]');
    expect(shown).not.toContain(PASSWORD);
    const logged = lines.join('');
    // The errors were logged with their whole chain (pino prints causes), only redacted.
    expect(logged).toContain('retry gave up ([redacted])');
    expect(logged).toContain('socket closed while sending [redacted]');
    expect(logged).not.toContain(PASSWORD);
  });
});
