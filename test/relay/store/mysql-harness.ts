import mysql from 'mysql2/promise';
import { namedLock } from '../../../relay/db/identifiers.js';
import { createMysqlDatabase } from '../../support/servers.js';
import type { NewRow, OpenInsert, RowLocks, RowState, StoreHarness } from './harness.js';

const q = (name: string) => `\`${name}\``;
type Rows = mysql.RowDataPacket[];

export async function mysqlHarness(prefix: string): Promise<StoreHarness> {
  const db = await createMysqlDatabase(prefix);
  const admin = await mysql.createConnection({
    ...db.config,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  const extra: mysql.Connection[] = [];

  async function rows(sql: string, values: unknown[] = []): Promise<Rows> {
    return (await admin.query<Rows>(sql, values))[0];
  }
  async function exec(sql: string, values: unknown[] = []): Promise<mysql.ResultSetHeader> {
    return (await admin.query<mysql.ResultSetHeader>(sql, values))[0];
  }

  return {
    driver: 'mysql',
    config: (table) => ({
      driver: 'mysql',
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
      await admin.beginTransaction();
      for (const row of newRows) {
        const result = await exec(
          `INSERT INTO ${q(table)} SET topic = ?, payload_json = ?, payload_headers = ?, \`key\` = ?, partition_key = ?`,
          [
            row.topic ?? 'orders',
            row.payload ?? '{"n":1}',
            row.headers ?? '{}',
            row.key ?? '',
            row.partitionKey ?? '',
          ],
        );
        ids.push(String(result.insertId));
      }
      await admin.commit();
      return ids;
    },

    async insertMany(table, count, topic) {
      await exec('SET SESSION max_recursive_iterations = ?', [count + 1]);
      await exec(
        `INSERT INTO ${q(table)} (topic, payload_json, payload_headers)
         WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
         SELECT ?, JSON_OBJECT('n', n), '{}' FROM seq`,
        [count, topic],
      );
    },

    async createGoRelayTable(table, firstVersionOnly = false) {
      // The Go relay's three MySQL migrations, as they left the table.
      await exec(`CREATE TABLE ${q(table)} (
        id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, batch_id CHAR(36) NULL, push_started_at DATETIME NULL,
        push_completed_at DATETIME NULL, topic VARCHAR(255) NOT NULL, payload_json json NOT NULL,
        payload_headers json NOT NULL, push_attempts TINYINT NOT NULL DEFAULT 0,
        errored TINYINT NOT NULL DEFAULT 0, error_reason VARCHAR (255) NOT NULL DEFAULT '',
        created_at DATETIME DEFAULT CURRENT_TIMESTAMP)`);
      if (firstVersionOnly) return;
      await exec(`ALTER TABLE ${q(table)} ADD COLUMN \`partition_key\` VARCHAR(255) NOT NULL DEFAULT ''`);
      await exec(`ALTER TABLE ${q(table)} ADD COLUMN \`key\` VARCHAR(255) NOT NULL DEFAULT ''`);
      await exec(`CREATE INDEX outbox_batch_query ON ${q(table)} (batch_id, created_at)`);
      await exec(
        'CREATE TABLE IF NOT EXISTS kafka_outbox_schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)',
      );
      await exec('INSERT IGNORE INTO kafka_outbox_schema_migrations VALUES (20220408111504, false)');
    },

    async makeHeadersText(table) {
      await exec(`ALTER TABLE ${q(table)} MODIFY payload_headers TEXT NOT NULL DEFAULT ''`);
    },

    async insertRowsWithoutKeys(table) {
      const result = await exec(
        `INSERT INTO ${q(table)} (topic, payload_json, payload_headers) VALUES ('orders', '{}', '{}')`,
      );
      return [String(result.insertId)];
    },

    async insertWithoutHeaders(table, topic, payload) {
      const result = await exec(`INSERT INTO ${q(table)} (topic, payload_json) VALUES (?, ?)`, [
        topic,
        payload,
      ]);
      return String(result.insertId);
    },

    async rowState(table, id): Promise<RowState> {
      const [row] = await rows(
        `SELECT batch_id, push_started_at IS NOT NULL AS started, push_completed_at IS NOT NULL AS completed,
           push_attempts, errored, error_reason FROM ${q(table)} WHERE id = ?`,
        [id],
      );
      if (!row) throw new Error(`row ${id} is gone`);
      return {
        batchId: row.batch_id === null ? null : String(row.batch_id),
        pushStarted: Number(row.started) === 1,
        pushCompleted: Number(row.completed) === 1,
        attempts: Number(row.push_attempts),
        errored: Number(row.errored),
        errorReason: String(row.error_reason),
      };
    },

    async rowCount(table) {
      const [row] = await rows(`SELECT COUNT(*) AS n FROM ${q(table)}`);
      return Number(row!.n);
    },

    async stampClaim(table, ids, batchId) {
      await exec(`UPDATE ${q(table)} SET batch_id = ?, push_started_at = NOW() WHERE id IN (?)`, [
        batchId,
        ids,
      ]);
    },

    async ageClaim(table, batchId, seconds) {
      await exec(
        `UPDATE ${q(table)} SET push_started_at = push_started_at - INTERVAL ? SECOND WHERE batch_id = ?`,
        [seconds, batchId],
      );
    },

    async agePublished(table, ids, seconds) {
      await exec(
        `UPDATE ${q(table)} SET push_completed_at = push_completed_at - INTERVAL ? SECOND WHERE id IN (?)`,
        [seconds, ids],
      );
    },

    async ageCreated(table, ids, seconds) {
      await exec(`UPDATE ${q(table)} SET created_at = created_at - INTERVAL ? SECOND WHERE id IN (?)`, [
        seconds,
        ids,
      ]);
    },

    async beginInsert(table): Promise<OpenInsert> {
      const connection = await mysql.createConnection(db.config);
      extra.push(connection);
      await connection.beginTransaction();
      const [result] = await connection.query<mysql.ResultSetHeader>(
        `INSERT INTO ${q(table)} (topic, payload_json, payload_headers) VALUES ('late', '{}', '{}')`,
      );
      return {
        id: String(result.insertId),
        async commit() {
          await connection.commit();
          await connection.end();
          extra.splice(extra.indexOf(connection), 1);
        },
      };
    },

    async lockRows(table, ids): Promise<RowLocks> {
      const connection = await mysql.createConnection(db.config);
      extra.push(connection);
      // Under REPEATABLE READ a locking read keeps every row it scanned locked, and on a small table the
      // optimizer scans them all: lock exactly these rows, one primary-key lookup each.
      await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await connection.beginTransaction();
      for (const id of ids)
        await connection.query(`SELECT id FROM ${q(table)} WHERE id = ? FOR UPDATE`, [id]);
      return {
        async release() {
          await connection.rollback();
          await connection.end();
          extra.splice(extra.indexOf(connection), 1);
        },
      };
    },

    async killOtherSessions() {
      const sessions = await rows(
        'SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()',
      );
      for (const session of sessions) await exec(`KILL ${Number(session.id)}`).catch(() => undefined);
      return sessions.length;
    },

    async killLeaderSession(store) {
      const [row] = await rows('SELECT IS_USED_LOCK(?) AS id', [
        namedLock('leader', store.database, store.table),
      ]);
      if (row?.id === null || row?.id === undefined) throw new Error('no session holds the leader lock');
      await exec(`KILL ${Number(row.id)}`);
    },

    async recordedMigrations(table) {
      const result = await rows(`SELECT name FROM ${q(`${table}_relay_migrations`)} ORDER BY id`);
      return result.map((row) => String(row.name));
    },

    async indexColumns(table) {
      const result = await rows(
        `SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ',') AS cols
         FROM information_schema.statistics
         WHERE table_schema = DATABASE() AND table_name = ? AND index_name <> 'PRIMARY'
         GROUP BY index_name ORDER BY index_name`,
        [table],
      );
      return result.map((row) => String(row.cols).split(','));
    },

    async close() {
      for (const connection of extra) await connection.end().catch(() => undefined);
      await admin.end();
      await db.drop();
    },
  };
}
