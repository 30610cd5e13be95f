// The Go relay's switches: SKIP_MIGRATIONS leaves the table alone, POLLING_DISABLED serves HTTP without
// publishing.
import type { RunningRelay } from '../../relay/commands/run.js';
import {
  collect,
  createTestDb,
  httpGet,
  insertRows,
  outboxState,
  pgQuery,
  relayEnv,
  runCommand,
  startInProcess,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

async function tableExists(db: TestDb): Promise<boolean> {
  const rows = await pgQuery(db, "select to_regclass('kafka_outbox') is not null as present");
  return rows[0]!.present as boolean;
}

holdKafkaForFile();

describe('the relay switches', () => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let relay: RunningRelay | undefined;

  beforeAll(async () => {
    ({ database, db } = await createTestDb('postgres', 'relay_modes'));
  });

  afterAll(async () => {
    await relay?.stop();
    await database?.drop();
  });

  it('with SKIP_MIGRATIONS does not create the table, and with POLLING_DISABLED serves HTTP but publishes nothing', async () => {
    relay = await startInProcess(relayEnv(db, { SKIP_MIGRATIONS: 'true', POLLING_DISABLED: 'true' }));
    await eventually('ready', async () =>
      (await httpGet(relay!.httpPort, '/readyz')).status === 200 ? true : undefined,
    );
    expect(await tableExists(db)).toBe(false);
    await relay.stop();
    relay = undefined;

    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    const topic = await createTopic('relay-modes', 1);
    relay = await startInProcess(relayEnv(db, { POLLING_DISABLED: 'true' }));
    await eventually('ready', async () =>
      (await httpGet(relay!.httpPort, '/readyz')).status === 200 ? true : undefined,
    );
    await insertRows(db, [{ topic }]);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await outboxState(db)).map((r) => r.published)).toEqual([false]);
    expect((await httpGet(relay.httpPort, '/metrics')).body).toContain(
      `kafka_outbox_queue_size{database="${db.name}"} 1`,
    );
  });

  it('with KAFKA_PARTITIONER=fnv1a puts each key on the partition the Go relay chose', async () => {
    await relay?.stop();
    relay = undefined;
    const topic = await createTopic('relay-modes-fnv', 12);
    relay = await startInProcess(relayEnv(db, { KAFKA_PARTITIONER: 'fnv1a' }));
    // The Go relay's partitions for these keys over 12 partitions (the compatibility notes' vectors); the
    // partition key wins over the key.
    const expected: Record<string, number> = {
      'SKU-123': 9,
      'UPDATE-SKU-123': 3,
      'order-42': 8,
      a: 0,
      'customer-7f3c': 1,
    };
    await insertRows(db, [
      ...Object.keys(expected).map((key) => ({ topic, key })),
      { topic, key: 'ignored-for-partitioning', partitionKey: 'order-42' },
    ]);
    const collector = await collect([topic]);
    try {
      const received = await collector.waitFor(6);
      for (const [key, partition] of Object.entries(expected)) {
        expect({ key, partition: received.find((m) => m.key === key)?.partition }).toEqual({
          key,
          partition,
        });
      }
      expect(received.find((m) => m.key === 'ignored-for-partitioning')?.partition).toBe(8);
    } finally {
      await collector.stop();
    }
  });
});
