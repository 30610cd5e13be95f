// Rows the relay can never publish because a public column is NULL: possible in a table made or adopted
// with NULLs allowed (the test allows them itself). Each such row is errored with a reason naming the
// column, on both databases, the rows of other keys go out, and the relay keeps going. Before: a
// TypeError on every claim (a crash loop) on PostgreSQL, and the key "null" on MySQL.
import type { RunningRelay } from '../../relay/commands/run.js';
import {
  collect,
  createTestDb,
  dbQuery,
  insertRows,
  outboxState,
  relayEnv,
  runCommand,
  startInProcess,
  waitReady,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

holdKafkaForFile();

const ALLOW_NULLS = {
  postgres: `ALTER TABLE kafka_outbox
    ALTER COLUMN topic DROP NOT NULL, ALTER COLUMN "key" DROP NOT NULL,
    ALTER COLUMN partition_key DROP NOT NULL, ALTER COLUMN payload_headers DROP NOT NULL,
    ALTER COLUMN payload_json DROP NOT NULL`,
  mysql: `ALTER TABLE kafka_outbox
    MODIFY topic VARCHAR(255) NULL, MODIFY \`key\` VARCHAR(255) NULL DEFAULT '',
    MODIFY partition_key VARCHAR(255) NULL DEFAULT '', MODIFY payload_headers JSON NULL,
    MODIFY payload_json JSON NULL`,
};

/** Inserts one row with the given public columns (null for NULL); returns its id. */
async function insertRaw(
  db: TestDb,
  topic: string,
  columns: Partial<Record<'topic' | 'key' | 'partition_key' | 'payload_headers' | 'payload_json', null>>,
  key: string,
): Promise<string> {
  const values = {
    topic,
    key,
    partition_key: '',
    payload_headers: '{}',
    payload_json: '{"bad":true}',
    ...columns,
  };
  const names = Object.keys(values);
  const list = Object.values(values);
  if (db.driver === 'postgres') {
    const cols = names.map((n) => (n === 'key' ? '"key"' : n)).join(', ');
    const marks = names.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await dbQuery(db, `INSERT INTO kafka_outbox (${cols}) VALUES (${marks}) RETURNING id`, list);
    return String(rows[0]!.id);
  }
  const cols = names.map((n) => (n === 'key' ? '`key`' : n)).join(', ');
  const result = (await dbQuery(
    db,
    `INSERT INTO kafka_outbox (${cols}) VALUES (${names.map(() => '?').join(', ')})`,
    list,
  )) as unknown as { insertId: number };
  return String(result.insertId);
}

describe.each(['postgres', 'mysql'] as const)('rows with a NULL column on %s', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let relay: RunningRelay | undefined;

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'relay_null_rows'));
  });

  afterAll(async () => {
    await relay?.stop();
    await database?.drop();
  });

  it('are errored with the column named, the other rows go out, and the relay keeps going', async () => {
    const topic = await createTopic(`relay-null-rows-${driver}`, 2);
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    await dbQuery(db, ALLOW_NULLS[driver]);
    const nulls = {
      topic: await insertRaw(db, topic, { topic: null }, 'k-topic'),
      key: await insertRaw(db, topic, { key: null }, 'k-key'),
      partition_key: await insertRaw(db, topic, { partition_key: null }, 'k-partition'),
      payload_headers: await insertRaw(db, topic, { payload_headers: null }, 'k-headers'),
      payload_json: await insertRaw(db, topic, { payload_json: null }, 'k-json'),
    };
    // Behind the NULL payload, a healthy row of its key; beside them, a row of another key.
    const [behind, other] = await insertRows(db, [
      { topic, key: 'k-json', payload: '{"behind":true}' },
      { topic, key: 'k-other', payload: '{"other":true}' },
    ]);
    const collector = await collect([topic]);
    try {
      relay = await startInProcess(relayEnv(db, { KAFKA_PUBLISH_ATTEMPTS: '2', SKIP_MIGRATIONS: 'true' }));
      await waitReady(relay.httpPort);
      const state = await eventually('the NULL rows errored and the others published', async () => {
        const rows = new Map((await outboxState(db)).map((r) => [r.id, r]));
        const done =
          Object.values(nulls).every((id) => rows.get(id)?.errored) &&
          [behind, other].every((id) => rows.get(id!)?.published);
        return done ? rows : undefined;
      });
      for (const [column, id] of Object.entries(nulls)) {
        expect({ column, ...state.get(id) }).toMatchObject({
          column,
          errored: true,
          published: false,
          attempts: 2,
          reason: `${column} is NULL`,
        });
      }
      // Still publishing after the bad rows.
      const [after] = await insertRows(db, [{ topic, key: 'k-after' }]);
      const received = await collector.waitFor(3);
      expect(received.map((m) => m.id).sort()).toEqual([after, behind, other].sort());
      expect(received.map((m) => m.key)).not.toContain('null');
    } finally {
      await collector.stop();
    }
  });
});
