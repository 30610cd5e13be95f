import pg from 'pg';
import { advisoryLockKey } from '../../../relay/db/identifiers.js';
import { createPostgresDatabase } from '../../support/servers.js';
import type { NewRow, OpenInsert, RowLocks, RowState, StoreHarness } from './harness.js';

const q = (name: string) => `"${name}"`;

export async function postgresHarness(prefix: string): Promise<StoreHarness> {
  const db = await createPostgresDatabase(prefix);
  const admin = new pg.Client(db.config);
  await admin.connect();
  const extra: pg.Client[] = [];

  async function rows(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    return (await admin.query(sql, values)).rows;
  }

  return {
    driver: 'postgres',
    config: (table) => ({
      driver: 'postgres',
      host: db.config.host!,
      port: db.config.port!,
      user: db.config.user!,
      password: String(db.config.password),
      database: db.name,
      table,
      tls: { mode: 'disable' },
      poolSize: 4,
    }),

    async insertRows(table, newRows: NewRow[]) {
      const ids: string[] = [];
      await admin.query('BEGIN');
      for (const row of newRows) {
        const result = await rows(
          `INSERT INTO ${q(table)} (topic, payload_json, payload_headers, "key", partition_key)
           VALUES ($1, $2, $3, $4, $5) RETURNING id::text AS id`,
          [
            row.topic ?? 'orders',
            row.payload ?? '{"n":1}',
            row.headers ?? '{}',
            row.key ?? '',
            row.partitionKey ?? '',
          ],
        );
        ids.push(String(result[0]!.id));
      }
      await admin.query('COMMIT');
      return ids;
    },

    async insertMany(table, count, topic) {
      await rows(
        `INSERT INTO ${q(table)} (topic, payload_json, payload_headers)
         SELECT $1, json_build_object('n', n), '{}' FROM generate_series(1, $2::int) AS n`,
        [topic, count],
      );
    },

    async createGoRelayTable(table, firstVersionOnly = false) {
      // The Go relay's three PostgreSQL migrations, as they left the table. It named its indexes outbox_*
      // whatever the table; index names are per schema, so other test tables get their own.
      const prefix = table === 'kafka_outbox' ? 'outbox' : table;
      await admin.query(`CREATE TABLE ${q(table)} (
        id SERIAL PRIMARY KEY, batch_id CHAR(36) NULL, push_started_at timestamp NULL,
        push_completed_at timestamp NULL, topic VARCHAR(255) NOT NULL, payload_json json NOT NULL,
        payload_headers json NOT NULL, push_attempts smallint NOT NULL DEFAULT 0,
        errored smallint NOT NULL DEFAULT 0, error_reason VARCHAR(255) NOT NULL DEFAULT '',
        created_at timestamp DEFAULT CURRENT_TIMESTAMP)`);
      await admin.query(`CREATE INDEX ${prefix}_push_completed_at ON ${q(table)} (push_completed_at)`);
      if (firstVersionOnly) return;
      await admin.query(`ALTER TABLE ${q(table)} ADD COLUMN partition_key VARCHAR(255) NOT NULL DEFAULT ''`);
      await admin.query(`ALTER TABLE ${q(table)} ADD COLUMN key VARCHAR(255) NOT NULL DEFAULT ''`);
      await admin.query(`CREATE INDEX ${prefix}_batch_query ON ${q(table)} (batch_id, created_at)`);
      await admin.query(
        'CREATE TABLE IF NOT EXISTS kafka_outbox_schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)',
      );
      await admin.query(
        'INSERT INTO kafka_outbox_schema_migrations VALUES (20220408111504, false) ON CONFLICT DO NOTHING',
      );
    },

    async makeHeadersText(table) {
      await admin.query(`ALTER TABLE ${q(table)} ALTER COLUMN payload_headers TYPE text`);
      await admin.query(`ALTER TABLE ${q(table)} ALTER COLUMN payload_headers SET DEFAULT ''`);
    },

    async insertRowsWithoutKeys(table) {
      const result = await rows(
        `INSERT INTO ${q(table)} (topic, payload_json, payload_headers) VALUES ('orders', '{}', '{}')
         RETURNING id::text AS id`,
      );
      return [String(result[0]!.id)];
    },

    async insertWithoutHeaders(table, topic, payload) {
      const result = await rows(
        `INSERT INTO ${q(table)} (topic, payload_json) VALUES ($1, $2) RETURNING id::text AS id`,
        [topic, payload],
      );
      return String(result[0]!.id);
    },

    async rowState(table, id): Promise<RowState> {
      const [row] = await rows(
        `SELECT batch_id, push_started_at IS NOT NULL AS started, push_completed_at IS NOT NULL AS completed,
           push_attempts, errored, error_reason FROM ${q(table)} WHERE id = $1`,
        [id],
      );
      if (!row) throw new Error(`row ${id} is gone`);
      return {
        batchId: row.batch_id === null ? null : String(row.batch_id),
        pushStarted: row.started === true,
        pushCompleted: row.completed === true,
        attempts: Number(row.push_attempts),
        errored: Number(row.errored),
        errorReason: String(row.error_reason),
      };
    },

    async rowCount(table) {
      const [row] = await rows(`SELECT count(*)::int AS n FROM ${q(table)}`);
      return Number(row!.n);
    },

    async stampClaim(table, ids, batchId) {
      await rows(
        `UPDATE ${q(table)} SET batch_id = $1, push_started_at = localtimestamp WHERE id = ANY($2::bigint[])`,
        [batchId, ids],
      );
    },

    async ageClaim(table, batchId, seconds) {
      await rows(
        `UPDATE ${q(table)} SET push_started_at = push_started_at - $2 * interval '1 second' WHERE batch_id = $1`,
        [batchId, seconds],
      );
    },

    async agePublished(table, ids, seconds) {
      await rows(
        `UPDATE ${q(table)} SET push_completed_at = push_completed_at - $2 * interval '1 second'
         WHERE id = ANY($1::bigint[])`,
        [ids, seconds],
      );
    },

    async ageCreated(table, ids, seconds) {
      await rows(
        `UPDATE ${q(table)} SET created_at = created_at - $2 * interval '1 second' WHERE id = ANY($1::bigint[])`,
        [ids, seconds],
      );
    },

    async beginInsert(table): Promise<OpenInsert> {
      const client = new pg.Client(db.config);
      await client.connect();
      extra.push(client);
      await client.query('BEGIN');
      const { rows: inserted } = await client.query<{ id: string }>(
        `INSERT INTO ${q(table)} (topic, payload_json, payload_headers) VALUES ('late', '{}', '{}')
         RETURNING id::text AS id`,
      );
      return {
        id: inserted[0]!.id,
        async commit() {
          await client.query('COMMIT');
          await client.end();
          extra.splice(extra.indexOf(client), 1);
        },
      };
    },

    async lockRows(table, ids): Promise<RowLocks> {
      const client = new pg.Client(db.config);
      await client.connect();
      extra.push(client);
      await client.query('BEGIN');
      await client.query(`SELECT id FROM ${q(table)} WHERE id = ANY($1::bigint[]) FOR UPDATE`, [ids]);
      return {
        async release() {
          await client.query('ROLLBACK');
          await client.end();
          extra.splice(extra.indexOf(client), 1);
        },
      };
    },

    async killOtherSessions() {
      const killed = await rows(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      return killed.length;
    },

    async killLeaderSession(store) {
      const key = BigInt(advisoryLockKey('leader', store.database, store.table));
      // A bigint advisory lock is kept as two 32-bit halves in pg_locks.
      const high = Number(BigInt.asIntN(64, key) >> 32n);
      const low = Number(BigInt.asUintN(32, key));
      const killed = await rows(
        `SELECT pg_terminate_backend(pid) AS done FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND classid::bigint = ($1::bigint & 4294967295)
           AND objid::bigint = $2::bigint AND objsubid = 1`,
        [high, low],
      );
      if (killed.length !== 1 || killed[0]!.done !== true)
        throw new Error('no session holds the leader lock');
    },

    async recordedMigrations(table) {
      const result = await rows(`SELECT name FROM ${q(`${table}_relay_migrations`)} ORDER BY id`);
      return result.map((row) => String(row.name));
    },

    async indexColumns(table) {
      const result = await rows(
        `SELECT ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS cols
         FROM pg_index i WHERE i.indrelid = to_regclass($1) AND NOT i.indisprimary ORDER BY i.indexrelid`,
        [q(table)],
      );
      return result.map((row) => row.cols as string[]);
    },

    async close() {
      for (const client of extra) await client.end().catch(() => undefined);
      await admin.end();
      await db.drop();
    },
  };
}
