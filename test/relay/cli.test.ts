// `outbox-relay <command>` as a child process, the way the container runs it: configuration errors, the
// one-shot commands, and SIGTERM (drains and exits 0). SIGKILL is in crash.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createTestDb,
  insertRows,
  outboxState,
  pgQuery,
  relayEnv,
  runCommand,
  spawnRelay,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

async function sql(db: TestDb, text: string): Promise<void> {
  await pgQuery(db, text);
}

holdKafkaForFile();

describe('the outbox-relay command', () => {
  let database: TestDatabase<object>;
  let db: TestDb;

  beforeAll(async () => {
    ({ database, db } = await createTestDb('postgres', 'relay_cli'));
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('exits 2 naming a bad variable and what it accepts', async () => {
    const { code, output } = await runCommand(['status'], relayEnv(db, { BATCH_SIZE: 'lots' }));
    expect(code).toBe(2);
    expect(output).toContain('BATCH_SIZE: invalid value (got "lots"); accepts an integer from 1 to 10000');
    expect(output).not.toContain(db.password);
  });

  it.each([
    ['OUTBOX_TABLE', 'bad-name', 'OUTBOX_TABLE: invalid value (got "bad-name"); accepts a table name'],
    ['DB_NAME', 'a,,b', 'DB_NAME: invalid value (got "a,,b"): entry 2 is empty'],
    ['DB_NAME', 'x,x', 'DB_NAME: invalid value (got "x,x"): entry "x" is repeated'],
    ['KAFKA_HOST', 'k:99999', 'KAFKA_HOST: invalid value (got "k:99999"): entry 1 ("k:99999") is not valid'],
    ['CLEANUP_RETENTION', '0s', 'CLEANUP_RETENTION: invalid value (got "0s"); accepts a duration from 1m'],
  ])('exits 2 on %s=%s with one line naming it, before connecting', async (name, value, words) => {
    const { code, output } = await runCommand(['run'], relayEnv(db, { [name]: value }));
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toEqual([expect.stringContaining(words)]);
  });

  it('never prints the database password, even when the connection fails', async () => {
    const { code, output } = await runCommand(['status'], relayEnv(db, { DB_PORT: '1', LOG_LEVEL: 'debug' }));
    expect(code).toBe(1);
    expect(output).toContain('status failed');
    expect(output).not.toContain(db.password);
  });

  it.each(['postgres', 'mysql'] as const)(
    'on %s, says to run migrate when status or requeue finds no outbox table, in one line',
    async (driver) => {
      const fresh = driver === 'postgres' ? { db } : await createTestDb('mysql', 'relay_cli_unmigrated');
      try {
        for (const args of [['status'], ['requeue', '--all']]) {
          const { code, output } = await runCommand(args, relayEnv(fresh.db));
          expect({ args, code }).toEqual({ args, code: 1 });
          expect(output).toContain(
            `outbox-relay: database ${fresh.db.name}: the outbox table kafka_outbox does not exist: run \`outbox-relay migrate\` first\n`,
          );
          expect(output).not.toContain('"stack"');
        }
      } finally {
        if ('database' in fresh) await fresh.database.drop();
      }
    },
  );

  it('migrates, then finds the table up to date', async () => {
    const first = await runCommand(['migrate'], relayEnv(db));
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toMatch(new RegExp(`${db.name}: applied `));
    const second = await runCommand(['migrate'], relayEnv(db));
    expect(second.output).toContain(`${db.name}: up to date`);
  });

  it('reports status, and requeues errored rows by id or all, saying how many', async () => {
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    const ids = await insertRows(db, [{ topic: 'a' }, { topic: 'b' }, { topic: 'c' }, { topic: 'd' }]);
    await sql(
      db,
      `update kafka_outbox set errored = 1, error_reason = 'x' where id in (${ids.slice(0, 3).join(',')})`,
    );
    const status = await runCommand(['status'], relayEnv(db));
    expect(status.code).toBe(0);
    expect(status.output).toMatch(/DATABASE\s+PENDING\s+ERRORED\s+OLDEST PENDING\s+TOTAL/);
    expect(status.output).toMatch(new RegExp(`${db.name}\\s+1\\s+3\\s+\\d+s\\s+4`));
    const one = await runCommand(['requeue', ids[0]!], relayEnv(db));
    expect(one.output).toContain(`${db.name}: requeued 1 errored row`);
    const all = await runCommand(['requeue', '--all'], relayEnv(db));
    expect(all.output).toContain(`${db.name}: requeued 2 errored rows`);
    expect((await outboxState(db)).filter((r) => r.errored)).toEqual([]);
    await sql(db, 'delete from kafka_outbox');
  });

  it('cleans up old published rows (cleanup, --cleanup, RUN_CLEANUP) and then tells the sidecar to quit', async () => {
    const quits: string[] = [];
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    const sidecar = http.createServer((req, res) => {
      quits.push(`${req.method} ${req.url}`);
      res.end('ok');
    });
    await new Promise<void>((resolve) => sidecar.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(sidecar.address() as AddressInfo).port}`;
    try {
      for (const [args, extra] of [
        [['cleanup'], {}],
        [['--cleanup'], {}],
        [[], { RUN_CLEANUP: 'true' }],
      ] as const) {
        const [old, recent] = await insertRows(db, [{ topic: 't' }, { topic: 't' }]);
        await sql(
          db,
          `update kafka_outbox set push_completed_at = now() - interval '2 hours' where id = ${old}`,
        );
        await sql(db, `update kafka_outbox set push_completed_at = now() where id = ${recent}`);
        const result = await runCommand([...args], relayEnv(db, { SIDECAR_PROXY_URL: url, ...extra }));
        expect(result).toMatchObject({ code: 0 });
        expect(result.output).toContain(`${db.name}: deleted 1 published rows`);
        expect((await outboxState(db)).map((r) => r.id)).toEqual(expect.arrayContaining([recent]));
        expect((await outboxState(db)).map((r) => r.id)).not.toContain(old);
      }
      const optimized = await runCommand(['--optimize'], relayEnv(db, { SIDECAR_PROXY_URL: url }));
      expect(optimized).toMatchObject({ code: 0 });
      expect(optimized.output).toContain(`${db.name}: optimized kafka_outbox`);
      expect(quits).toEqual(Array(4).fill('POST /quitquitquit'));
    } finally {
      sidecar.close();
      await sql(db, 'delete from kafka_outbox');
    }
  });

  it('on SIGTERM as soon as it logs that it is starting, still migrating its unreachable database, exits 0', async () => {
    const relay = spawnRelay(['run'], relayEnv(db, { DB_PORT: '1', LOG_LEVEL: 'info' }));
    try {
      // Signalled from the output handler itself, the moment the line arrives.
      await new Promise<void>((resolve) => {
        const onData = () => {
          if (!relay.output().includes('"msg":"starting"')) return;
          relay.child.stdout!.off('data', onData);
          relay.child.kill('SIGTERM');
          resolve();
        };
        relay.child.stdout!.on('data', onData);
      });
      expect(await relay.exited).toEqual({ code: 0, signal: null });
      expect(relay.output()).toContain('"msg":"shutting down"');
    } finally {
      relay.child.kill('SIGKILL');
    }
  });

  it('on SIGTERM finishes its work and exits 0 well within 10 seconds', async () => {
    const topic = await createTopic('relay-cli-term', 1);
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    const relay = spawnRelay(['run'], relayEnv(db, { LOG_LEVEL: 'info' }));
    try {
      await insertRows(
        db,
        Array.from({ length: 50 }, (_, i) => ({ topic, key: `k${i % 4}` })),
      );
      await eventually('rows published', async () =>
        (await outboxState(db)).every((r) => r.published) ? true : undefined,
      );
      await insertRows(
        db,
        Array.from({ length: 200 }, (_, i) => ({ topic, key: `k${i % 4}` })),
      );
      const sent = Date.now();
      relay.child.kill('SIGTERM');
      const exit = await relay.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - sent).toBeLessThan(10_000);
      // The start-up log shows the configuration with the password redacted, and nothing shows it.
      expect(relay.output()).toContain('"DB_PASS":"[redacted]"');
      expect(relay.output()).not.toContain(db.password);
      // Whatever was claimed was resolved: nothing is left claimed-but-unresolved.
      const rows = await pgQuery(
        db,
        'select count(*)::int as n from kafka_outbox where batch_id is not null and push_completed_at is null',
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      relay.child.kill('SIGKILL');
      await sql(db, 'delete from kafka_outbox');
    }
  });
});
