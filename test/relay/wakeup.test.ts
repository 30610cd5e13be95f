// PostgreSQL LISTEN/NOTIFY wakes an idle relay at once (the poll interval here is a minute, so only the
// notification can explain a prompt publish), and one relay serves every database of DB_NAME.
import type { RunningRelay } from '../../relay/commands/run.js';
import {
  collect,
  httpGet,
  insertRows,
  pgQuery,
  relayEnv,
  startInProcess,
  testDb,
  waitReady,
  type TestDb,
} from '../support/relay-harness.js';
import { createPostgresDatabase, createTopic, eventually, type TestDatabase } from '../support/servers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

holdKafkaForFile();

describe('waking up and serving several databases', () => {
  const databases: TestDatabase<object>[] = [];
  let dbs: TestDb[];
  let relay: RunningRelay | undefined;

  beforeAll(async () => {
    databases.push(
      await createPostgresDatabase('relay_wake_a'),
      await createPostgresDatabase('relay_wake_b'),
    );
    dbs = databases.map((d) => testDb('postgres', d));
  });

  afterAll(async () => {
    await relay?.stop();
    await Promise.all(databases.map((d) => d.drop()));
  });

  it('publishes a new row on an idle relay long before the next poll, for each database of DB_NAME', async () => {
    const topic = await createTopic('relay-wake', 1);
    relay = await startInProcess(
      relayEnv(dbs[0]!, { DB_NAME: dbs.map((d) => d.name).join(','), POLL_FREQUENCY_MS: '60000' }),
    );
    await waitReady(relay.httpPort);
    await eventually('both databases led', async () => {
      const { body } = await httpGet(relay!.httpPort, '/metrics');
      return dbs.every((d) => body.includes(`outbox_relay_leader{database="${d.name}"} 1`))
        ? true
        : undefined;
    });
    const collector = await collect([topic]);
    try {
      // Let both loops go idle (they have made their first, empty claim).
      await new Promise((r) => setTimeout(r, 1500));
      const latencies: number[] = [];
      for (const [i, db] of [dbs[0]!, dbs[1]!, dbs[0]!].entries()) {
        const started = Date.now();
        const [id] = await insertRows(db, [{ topic, key: 'wake', payload: JSON.stringify({ i }) }]);
        await eventually(
          `row ${id} of ${db.name} published`,
          async () => (collector.messages.some((m) => m.value === JSON.stringify({ i })) ? true : undefined),
          15_000,
        );
        latencies.push(Date.now() - started);
      }
      const commitToMark: number[] = [];
      for (const db of dbs) {
        const rows = await pgQuery<{ ms: string }>(
          db,
          'select extract(epoch from push_completed_at - created_at) * 1000 as ms from kafka_outbox order by id',
        );
        commitToMark.push(...rows.map((r) => Math.round(Number(r.ms))));
      }
      // Measured: insert-to-consume includes connecting, the consumer's fetch wait and this test's 250 ms
      // polling; created-to-marked is the relay's own share (wake-up, claim, produce, mark).
      console.log(
        `idle relay, ms: insert-to-consume ${latencies.join(', ')}; created-to-marked-published ${commitToMark.join(', ')}`,
      );
      const { body } = await httpGet(relay.httpPort, '/metrics');
      for (const db of dbs) expect(body).toContain(`kafka_outbox_total_size{database="${db.name}"}`);
    } finally {
      await collector.stop();
    }
  });
});
