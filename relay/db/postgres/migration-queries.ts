// The queries the migration runner needs around the migrations themselves: the server's version, our
// record of applied migrations, and what it takes to recognise a Go relay table (the lock is in locks.ts).
import { quotePostgres as q, type TableNames } from '../identifiers.js';
import type { Queryable } from './queryable.js';

/** The table golang-migrate kept for the Go relay (its name was fixed, whatever the outbox table). */
export const GO_RELAY_MIGRATIONS_TABLE = 'kafka_outbox_schema_migrations';

export async function createMigrationsTable(db: Queryable, names: TableNames): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(names.migrations)} (
       id integer PRIMARY KEY,
       name varchar(255) NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
}

export async function appliedMigrations(db: Queryable, names: TableNames): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM ${q(names.migrations)} ORDER BY id`);
  return rows.map((row) => row.id);
}

export async function recordMigration(
  db: Queryable,
  names: TableNames,
  id: number,
  name: string,
): Promise<void> {
  await db.query(`INSERT INTO ${q(names.migrations)} (id, name) VALUES ($1, $2)`, [id, name]);
}

export async function tableExists(db: Queryable, table: string): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    q(table),
  ]);
  return rows[0]?.present === true;
}

export async function triggerExists(db: Queryable, table: string, trigger: string): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $2) AS present',
    [q(table), trigger],
  );
  return rows[0]?.present === true;
}

export async function goRelayMigrationVersion(
  db: Queryable,
): Promise<{ version: string; dirty: boolean } | undefined> {
  if (!(await tableExists(db, GO_RELAY_MIGRATIONS_TABLE))) return undefined;
  const { rows } = await db.query<{ version: string; dirty: boolean }>(
    `SELECT version::text AS version, dirty FROM ${q(GO_RELAY_MIGRATIONS_TABLE)} ORDER BY version DESC LIMIT 1`,
  );
  return rows[0];
}

/** Is there already an index on exactly these columns, in this order (whatever its name)? */
export async function indexOnColumnsExists(
  db: Queryable,
  table: string,
  columns: string[],
): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_index i
       WHERE i.indrelid = to_regclass($1)
         AND i.indpred IS NULL
         AND ARRAY(
           SELECT a.attname::text
           FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           ORDER BY k.ord
         ) = $2::text[]
     ) AS present`,
    [q(table), columns],
  );
  return rows[0]?.present === true;
}

export async function serverVersionNum(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ num: string }>(`SELECT current_setting('server_version_num') AS num`);
  return Number(rows[0]?.num);
}
