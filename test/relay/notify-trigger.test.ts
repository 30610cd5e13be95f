// NOTIFY_ON_INSERT=false on PostgreSQL: the migrations drop the insert trigger (so the application's
// commits no longer notify, and no longer queue on the notification lock), the relay does not listen and
// publishes by polling; true puts the trigger back. Against the local PostgreSQL and Kafka.
import pg from 'pg';
import { loadConfig, storeConfig } from '../../relay/config/config.js';
import { createStore } from '../../relay/db/create-store.js';
import { createLogger } from '../../relay/logger.js';
import type { RunningRelay } from '../../relay/commands/run.js';
import {
  collect,
  connectionOf,
  createTestDb,
  insertRows,
  outboxState,
  pgQuery,
  relayEnv,
  startInProcess,
  waitReady,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

holdKafkaForFile();

const logger = createLogger({ level: 'silent' });

async function triggerPresent(db: TestDb): Promise<boolean> {
  const rows = await pgQuery<{ n: string }>(
    db,
    `SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = 'kafka_outbox'::regclass AND tgname = 'kafka_outbox_relay_notify'`,
  );
  return Number(rows[0]!.n) === 1;
}

/** Whether an insert committed now sends a notification on the relay's channel within `waitMs`. */
async function insertNotifies(db: TestDb, topic: string, waitMs: number): Promise<boolean> {
  const listener = new pg.Client(connectionOf(db));
  await listener.connect();
  try {
    let notified = false;
    listener.on('notification', (n) => {
      if (n.channel === 'kafka_outbox_relay_wake') notified = true;
    });
    await listener.query('LISTEN kafka_outbox_relay_wake');
    await insertRows(db, [{ topic, key: 'probe', payload: '{"probe":true}' }]);
    const until = Date.now() + waitMs;
    while (!notified && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    return notified;
  } finally {
    await listener.end();
  }
}

/** The relay's store for the test database, configured as the relay would be. */
function storeFor(db: TestDb, notifyOnInsert: boolean) {
  const config = loadConfig(relayEnv(db, { NOTIFY_ON_INSERT: String(notifyOnInsert) }));
  return createStore(storeConfig(config, db.name), logger);
}

describe('NOTIFY_ON_INSERT on PostgreSQL', () => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let relay: RunningRelay | undefined;

  beforeAll(async () => {
    ({ database, db } = await createTestDb('postgres', 'relay_notify_off'));
  });

  afterAll(async () => {
    await relay?.stop();
    await database.drop();
  });

  it('false: the relay drops the trigger, inserts no longer notify, and rows are published by polling', async () => {
    const topic = await createTopic('relay-notify-off', 1);
    relay = await startInProcess(relayEnv(db, { NOTIFY_ON_INSERT: 'false', POLL_FREQUENCY_MS: '200' }));
    await waitReady(relay.httpPort);
    expect(await triggerPresent(db)).toBe(false);

    const collector = await collect([topic]);
    try {
      const ids = await insertRows(
        db,
        Array.from({ length: 5 }, (_, i) => ({ topic, key: `k${i}`, payload: JSON.stringify({ i }) })),
      );
      await eventually(
        'the five rows published',
        async () => (collector.messages.length >= 5 ? true : undefined),
        20_000,
      );
      const state = await outboxState(db);
      expect(state.filter((r) => ids.includes(r.id)).every((r) => r.published)).toBe(true);
    } finally {
      await collector.stop();
    }
    expect(await insertNotifies(db, topic, 500)).toBe(false);
    await relay.stop();
    relay = undefined;
  });

  it('migrate creates the trigger again for true, changes nothing when it matches, and drops it for false', async () => {
    const on = await storeFor(db, true);
    try {
      const result = await on.migrate();
      expect(result).toEqual({ applied: [], adoptedGoRelayTable: false, notifyTrigger: 'created' });
      expect(await triggerPresent(db)).toBe(true);
      expect(await on.migrate()).toEqual({ applied: [], adoptedGoRelayTable: false });
      expect(await insertNotifies(db, 'relay-notify-probe', 5_000)).toBe(true);
    } finally {
      await on.close();
    }

    const off = await storeFor(db, false);
    try {
      expect(await off.migrate()).toEqual({
        applied: [],
        adoptedGoRelayTable: false,
        notifyTrigger: 'dropped',
      });
      expect(await triggerPresent(db)).toBe(false);
      // A store without the trigger does not listen: there would be nothing to hear.
      expect(await off.listen(() => undefined)).toBeUndefined();
    } finally {
      await off.close();
    }
  });
});
