// The queries the migration runner needs around the migrations themselves: the server's version, our
// record of applied migrations, and what it takes to recognise (and complete) a Go relay table (the lock
// is in locks.ts). MySQL DDL commits implicitly, so these are checks, not transactions.
import { quoteMysql as q, type TableNames } from '../identifiers.js';
import type { Queryable, Rows } from './queryable.js';

/** The table golang-migrate kept for the Go relay (its name was fixed, whatever the outbox table). */
export const GO_RELAY_MIGRATIONS_TABLE = 'kafka_outbox_schema_migrations';

export async function createMigrationsTable(db: Queryable, names: TableNames): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(names.migrations)} (
       id INT NOT NULL PRIMARY KEY,
       name VARCHAR(255) NOT NULL,
       applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
     ) ENGINE=InnoDB`,
  );
}

export async function appliedMigrations(db: Queryable, names: TableNames): Promise<number[]> {
  const [rows] = await db.query<Rows>(`SELECT id FROM ${q(names.migrations)} ORDER BY id`);
  return rows.map((row) => Number(row.id));
}

export async function recordMigration(
  db: Queryable,
  names: TableNames,
  id: number,
  name: string,
): Promise<void> {
  await db.query(`INSERT IGNORE INTO ${q(names.migrations)} (id, name) VALUES (?, ?)`, [id, name]);
}

export async function tableExists(db: Queryable, table: string): Promise<boolean> {
  const [rows] = await db.query<Rows>(
    `SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`,
    [table],
  );
  return Number(rows[0]?.n) > 0;
}

export async function columnExists(db: Queryable, table: string, column: string): Promise<boolean> {
  const [rows] = await db.query<Rows>(
    `SELECT COUNT(*) AS n FROM information_schema.columns
     WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?`,
    [table, column],
  );
  return Number(rows[0]?.n) > 0;
}

/** Is there already an index on exactly these columns, in this order (whatever its name)? */
export async function indexOnColumnsExists(
  db: Queryable,
  table: string,
  columns: string[],
): Promise<boolean> {
  const [rows] = await db.query<Rows>(
    `SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ',') AS cols
     FROM information_schema.statistics
     WHERE table_schema = DATABASE() AND table_name = ?
     GROUP BY index_name`,
    [table],
  );
  return rows.some((row) => String(row.cols) === columns.join(','));
}

export async function goRelayMigrationVersion(
  db: Queryable,
): Promise<{ version: string; dirty: boolean } | undefined> {
  if (!(await tableExists(db, GO_RELAY_MIGRATIONS_TABLE))) return undefined;
  const [rows] = await db.query<Rows>(
    `SELECT CAST(version AS CHAR) AS version, dirty FROM ${q(GO_RELAY_MIGRATIONS_TABLE)}
     ORDER BY version DESC LIMIT 1`,
  );
  const row = rows[0];
  return row === undefined ? undefined : { version: String(row.version), dirty: Number(row.dirty) !== 0 };
}

export async function serverVersion(db: Queryable): Promise<string> {
  const [rows] = await db.query<Rows>('SELECT VERSION() AS version');
  return String(rows[0]?.version);
}
