// The relay's PostgreSQL migrations. Numbered, applied in order, recorded in <table>_relay_migrations.
// NEVER edit a migration once released: add a new one. Each is idempotent (IF NOT EXISTS, OR REPLACE) so a
// table the Go relay created, at any of its versions, is brought up to date in place.
import { quotePostgres as q, type TableNames } from '../identifiers.js';
import { indexOnColumnsExists, triggerExists } from './migration-queries.js';
import type { Migration as DialectMigration } from '../dialect.js';
import type { Queryable } from './queryable.js';
import { createShareTables, ensureShareIndex } from './share-migration.js';

export type Migration = DialectMigration<Queryable>;

async function ensureIndex(db: Queryable, table: string, index: string, columns: string[]): Promise<void> {
  // The Go relay named its indexes outbox_push_completed_at and outbox_batch_query whatever the table, so an
  // adopted table is recognised by the indexed columns, not by the name.
  if (await indexOnColumnsExists(db, table, columns)) return;
  await db.query(`CREATE INDEX IF NOT EXISTS ${q(index)} ON ${q(table)} (${columns.map(q).join(', ')})`);
}

/**
 * The Go relay's table: its create migration, its key columns migration and its batch index, in one
 * idempotent step. A new table gets a bigserial id (the Go relay's serial runs out at 2^31 rows); an adopted
 * table keeps its own.
 */
async function createGoRelayTable(db: Queryable, names: TableNames): Promise<void> {
  const table = q(names.table);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
       id bigserial PRIMARY KEY,
       batch_id char(36) NULL,
       push_started_at timestamp NULL,
       push_completed_at timestamp NULL,
       topic varchar(255) NOT NULL,
       payload_json json NOT NULL,
       payload_headers json NOT NULL,
       push_attempts smallint NOT NULL DEFAULT 0,
       errored smallint NOT NULL DEFAULT 0,
       error_reason varchar(255) NOT NULL DEFAULT '',
       created_at timestamp DEFAULT CURRENT_TIMESTAMP,
       partition_key varchar(255) NOT NULL DEFAULT '',
       "key" varchar(255) NOT NULL DEFAULT ''
     )`,
  );
  await db.query(
    `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS partition_key varchar(255) NOT NULL DEFAULT ''`,
  );
  await db.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "key" varchar(255) NOT NULL DEFAULT ''`);
  await ensureIndex(db, names.table, names.pushCompletedIndex, ['push_completed_at']);
  await ensureIndex(db, names.table, names.batchIndex, ['batch_id', 'created_at']);
}

/**
 * The claim reads unpublished, unerrored rows in id order. A partial index on id over exactly those rows
 * lets it read the first N in order without touching published rows, and stays as small as the backlog.
 * Measured on PostgreSQL 15 (500,000 published rows, a backlog of 20,000): claiming 250 rows took 10.9 ms
 * through the push_completed_at index (it fetched and sorted the whole backlog) and 3.6 ms with this one.
 */
async function addClaimIndex(db: Queryable, names: TableNames): Promise<void> {
  await db.query(
    `CREATE INDEX IF NOT EXISTS ${q(names.claimIndex)} ON ${q(names.table)} (id)
     WHERE push_completed_at IS NULL AND errored = 0`,
  );
}

/**
 * Wakes an idle relay as soon as rows are committed: NOTIFY is delivered at commit, never for a rolled-back
 * insert, and one statement-level notification per INSERT statement is enough (the relay claims whatever
 * is there). The channel is <table>_relay_wake (TableNames.channel), built from the trigger's table name so
 * nothing is spliced into the function's body.
 */
async function addNotifyTrigger(db: Queryable, names: TableNames): Promise<void> {
  await createNotifyFunction(db, names);
  await db.query(`DROP TRIGGER IF EXISTS ${q(names.notifyTrigger)} ON ${q(names.table)}`);
  await createNotifyTrigger(db, names);
}

async function createNotifyFunction(db: Queryable, names: TableNames): Promise<void> {
  await db.query(
    `CREATE OR REPLACE FUNCTION ${q(names.notifyFunction)}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       PERFORM pg_notify(TG_TABLE_NAME || '_relay_wake', '');
       RETURN NULL;
     END
     $$`,
  );
}

async function createNotifyTrigger(db: Queryable, names: TableNames): Promise<void> {
  await db.query(
    `CREATE TRIGGER ${q(names.notifyTrigger)} AFTER INSERT ON ${q(names.table)}
     FOR EACH STATEMENT EXECUTE FUNCTION ${q(names.notifyFunction)}()`,
  );
}

/**
 * Makes the insert trigger's presence match NOTIFY_ON_INSERT, after the numbered migrations and in their
 * transaction. The trigger is optional because PostgreSQL serialises the commits of transactions that
 * notify (a database-wide lock taken at commit and held through it), which caps the application's commit
 * rate of outbox rows; without it the relay polls. Touches the table (a brief SHARE ROW EXCLUSIVE lock)
 * only when something changes. Returns what it did.
 */
export async function syncNotifyTrigger(
  db: Queryable,
  names: TableNames,
  wanted: boolean,
): Promise<'created' | 'dropped' | undefined> {
  if (wanted === (await triggerExists(db, names.table, names.notifyTrigger))) return undefined;
  if (wanted) {
    await createNotifyFunction(db, names);
    await createNotifyTrigger(db, names);
    return 'created';
  }
  await db.query(`DROP TRIGGER ${q(names.notifyTrigger)} ON ${q(names.table)}`);
  return 'dropped';
}

/**
 * Shared mode (db/shares.ts): the lease tables, the table's identity, and the share index, built
 * CONCURRENTLY outside the migrations' transaction (share-migration.ts).
 */
async function addShares(db: Queryable, names: TableNames): Promise<void> {
  await createShareTables(db, names);
  await ensureShareIndex(db, names);
}

export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: '001_go_relay_table', up: createGoRelayTable },
  { id: 2, name: '002_claim_index', up: addClaimIndex },
  { id: 3, name: '003_insert_notify_trigger', up: addNotifyTrigger },
  { id: 4, name: '004_shares', up: addShares },
];
