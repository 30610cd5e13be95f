import { StatusWriteError } from './status-client.js';
import { createLogger } from '../logger.js';
import type { DatabaseSnapshot } from './build-report.js';
import { createReporter, REPORT_INTERVAL_MS, WRITE_ATTEMPTS, type ReporterDeps } from './reporter.js';
import type { DatabaseReport } from './report-types.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');

function harness(overrides: Partial<ReporterDeps> = {}) {
  const clock = { now: T0 };
  const writes: { entries: DatabaseReport[]; timeoutMs?: number }[] = [];
  const world: { databases: DatabaseSnapshot[] } = {
    databases: [{ name: 'orders', counts: { pending: 3, errored: 0, oldestPendingAgeSeconds: 2 }, held: [] }],
  };
  let failures: Error[] = [];
  const sleeps: number[] = [];
  const reporter = createReporter({
    // The outbox's rows stay put while the clock moves: the oldest pending row ages with it.
    collect: async () => ({
      databases: world.databases.map((d) => ({
        ...d,
        ...(d.counts?.oldestPendingAgeSeconds
          ? {
              counts: {
                ...d.counts,
                oldestPendingAgeSeconds: d.counts.oldestPendingAgeSeconds + (clock.now - T0) / 1000,
              },
            }
          : {}),
      })),
      kafka: { state: 'Available', message: 'reachable' },
    }),
    write: async (entries, timeoutMs) => {
      const failure = failures.shift();
      if (failure) throw failure;
      writes.push({ entries: structuredClone([...entries]), ...(timeoutMs ? { timeoutMs } : {}) });
    },
    podName: 'orders-relay-1',
    databaseNames: ['orders', 'billing'],
    now: () => clock.now,
    sleep: async (ms) => void sleeps.push(ms),
    logger: createLogger({ level: 'silent' }),
    backoff: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0 },
    ...overrides,
  });
  return {
    reporter,
    clock,
    writes,
    world,
    sleeps,
    failNext: (...errors: Error[]) => (failures = errors),
    advance: (ms: number) => (clock.now += ms),
  };
}

const transient = () => new StatusWriteError('cannot write: ECONNRESET', undefined, { retriable: true });

describe('the status reporter', () => {
  it('writes the first report, then nothing while the report is unchanged', async () => {
    const t = harness();
    expect(await t.reporter.refresh()).toBe('written');
    for (let i = 0; i < 5; i++) {
      t.advance(REPORT_INTERVAL_MS);
      expect(await t.reporter.refresh()).toBe('unchanged');
    }
    expect(t.writes).toHaveLength(1);
    expect(t.reporter.stats()).toMatchObject({ writes: 1, unchanged: 5 });
  });

  it('writes at most once per interval however often it is asked', async () => {
    const t = harness();
    await t.reporter.refresh();
    t.world.databases = [
      { ...t.world.databases[0]!, counts: { pending: 9, errored: 0, oldestPendingAgeSeconds: 2 } },
    ];
    t.advance(REPORT_INTERVAL_MS - 1);
    expect(await t.reporter.refresh()).toBe('throttled');
    expect(t.writes).toHaveLength(1);
    t.advance(1);
    expect(await t.reporter.refresh()).toBe('written');
    expect(t.writes.map((w) => w.entries[0]?.pending)).toEqual([3, 9]);
  });

  it('applies an empty list only after having had entries, and then only once', async () => {
    const t = harness();
    t.world.databases = [];
    // At start a previous process of the same pod may have left entries: one empty write releases them.
    expect(await t.reporter.refresh()).toBe('written');
    t.advance(REPORT_INTERVAL_MS);
    expect(await t.reporter.refresh()).toBe('nothing');
    t.world.databases = [
      { name: 'orders', counts: { pending: 1, errored: 0, oldestPendingAgeSeconds: 0 }, held: [] },
    ];
    t.advance(REPORT_INTERVAL_MS);
    expect(await t.reporter.refresh()).toBe('written');
    t.world.databases = [];
    t.advance(REPORT_INTERVAL_MS);
    expect(await t.reporter.refresh()).toBe('written');
    t.advance(REPORT_INTERVAL_MS);
    expect(await t.reporter.refresh()).toBe('nothing');
    expect(t.writes.map((w) => w.entries.length)).toEqual([0, 1, 0]);
  });

  it('retries a transient failure a few times through the retry module, then leaves it to the next refresh', async () => {
    const t = harness();
    t.failNext(transient(), transient(), transient(), transient());
    expect(await t.reporter.refresh()).toBe('failed');
    expect(t.sleeps).toHaveLength(WRITE_ATTEMPTS - 1);
    t.advance(REPORT_INTERVAL_MS);
    t.failNext();
    expect(await t.reporter.refresh()).toBe('written');
    expect(t.reporter.stats()).toMatchObject({ writes: 1, failures: 1 });
  });

  it('does not retry a refusal (a 403) within a refresh', async () => {
    const t = harness();
    t.failNext(new StatusWriteError('cannot write: 403 Forbidden', 403, { retriable: false }));
    expect(await t.reporter.refresh()).toBe('failed');
    expect(t.sleeps).toEqual([]);
  });

  it('flushes a final report naming a refused Kafka credential, at once and with a short timeout', async () => {
    const t = harness();
    await t.reporter.refresh();
    t.advance(1000); // inside the interval: the final report is not throttled
    await t.reporter.final({ kafka: 'KAFKA_SASL_PASSWORD: the broker refused the login' });
    expect(t.writes).toHaveLength(2);
    expect(t.writes[1]?.timeoutMs).toBeLessThanOrEqual(5000);
    expect(t.writes[1]?.entries[0]).toMatchObject({
      name: 'orders',
      pending: 3,
      kafka: { state: 'Unauthorized', message: 'KAFKA_SASL_PASSWORD: the broker refused the login' },
      database: { state: 'Available' },
    });
    t.advance(REPORT_INTERVAL_MS);
    await t.reporter.stop();
    expect(t.writes).toHaveLength(2);
  });

  it('names every configured database in a final report when it led none (a refused database login)', async () => {
    const t = harness();
    await t.reporter.final({ database: 'DB_PASS: refused the password of user "relay"' });
    expect(t.writes[0]?.entries.map((e) => [e.name, e.database.state, e.kafka.state])).toEqual([
      ['orders', 'Unavailable', 'Available'],
      ['billing', 'Unavailable', 'Available'],
    ]);
  });

  it('names only Kafka as refused in a final report when it led no database (a refused Kafka login)', async () => {
    const t = harness();
    await t.reporter.final({ kafka: 'KAFKA_SASL_PASSWORD: refused' });
    expect(t.writes[0]?.entries.map((e) => [e.name, e.kafka.state, e.database.state])).toEqual([
      ['orders', 'Unauthorized', 'Available'],
      ['billing', 'Unauthorized', 'Available'],
    ]);
  });

  it('releases its entries on stop, and writes nothing on stop when it has none', async () => {
    const t = harness();
    await t.reporter.refresh();
    await t.reporter.stop();
    expect(t.writes.map((w) => w.entries.length)).toEqual([1, 0]);
    const idle = harness();
    await idle.reporter.stop();
    expect(idle.writes).toEqual([]);
  });

  it('hands the object each refresh’s write answered with to applied, and not the release’s', async () => {
    const objects: unknown[] = [];
    let version = 0;
    const t = harness({
      write: async () => ({ metadata: { resourceVersion: String(++version) } }),
      applied: async (object) => void objects.push(object),
    });
    expect(await t.reporter.refresh()).toBe('written');
    t.advance(REPORT_INTERVAL_MS);
    expect(await t.reporter.refresh()).toBe('unchanged');
    t.world.databases = [
      { name: 'orders', counts: { pending: 9, errored: 0, oldestPendingAgeSeconds: 2 }, held: [] },
    ];
    t.advance(REPORT_INTERVAL_MS);
    expect(await t.reporter.refresh()).toBe('written');
    await t.reporter.stop();
    expect(version).toBe(3);
    expect(objects).toEqual([{ metadata: { resourceVersion: '1' } }, { metadata: { resourceVersion: '2' } }]);
  });

  it('hands a release refused as invalid (422) to unreleased, with the entries’ names; not another failure', async () => {
    const calls: (readonly string[])[] = [];
    const invalid = new StatusWriteError('status.databases[0].kafka: Required value', 422, {
      retriable: false,
    });
    const t = harness({
      write: async (entries) => {
        if (entries.length === 0) throw invalid;
        return { metadata: { resourceVersion: '7' } };
      },
      unreleased: async (names) => void calls.push(names),
    });
    await t.reporter.refresh();
    await t.reporter.stop();
    expect(calls).toEqual([['orders']]);
    const other = harness({ unreleased: async (names) => void calls.push(names) });
    await other.reporter.refresh();
    other.failNext(transient());
    await other.reporter.stop();
    expect(calls).toHaveLength(1);
  });

  it('refreshes in a loop until stopped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let rounds = 0;
    const t = harness({
      sleep: async () => {
        rounds++;
        if (rounds >= 3) await gate;
      },
    });
    const running = t.reporter.run();
    await new Promise((r) => setImmediate(r));
    await t.reporter.stop();
    release();
    await running;
    expect(t.writes.length).toBeGreaterThanOrEqual(1);
    expect(t.writes.at(-1)?.entries).toEqual([]);
  });
});
