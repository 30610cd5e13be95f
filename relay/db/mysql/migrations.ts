// The relay's MySQL/MariaDB migrations. Numbered, applied in order, recorded in <table>_relay_migrations.
// NEVER edit a migration once released: add a new one. MySQL DDL commits implicitly, so each step checks
// first and a migration interrupted half-way completes when it runs again.
import { quoteMysql as q, type TableNames } from '../identifiers.js';
import { columnExists, indexOnColumnsExists } from './migration-queries.js';
import type { Migration as DialectMigration } from '../dialect.js';
import type { Queryable } from './queryable.js';
import { createShareTables, ensureShareColumn, ensureShareIndex } from './share-migration.js';

export type Migration = DialectMigration<Queryable>;

async function ensureIndex(db: Queryable, table: string, index: string, columns: string[]): Promise<void> {
  // An adopted table is recognised by the indexed columns, whatever the Go relay named the index.
  if (await indexOnColumnsExists(db, table, columns)) return;
  await db.query(`CREATE INDEX ${q(index)} ON ${q(table)} (${columns.map(q).join(', ')})`);
}

async function ensureColumn(db: Queryable, table: string, column: string, definition: string): Promise<void> {
  if (await columnExists(db, table, column)) return;
  await db.query(`ALTER TABLE ${q(table)} ADD COLUMN ${q(column)} ${definition}`);
}

/**
 * The Go relay's table: its create migration, its key columns migration and its batch index, in one
 * idempotent step, plus the index on push_completed_at its PostgreSQL schema had and its MySQL one lacked
 * (cleanup deletes by that column).
 */
async function createGoRelayTable(db: Queryable, names: TableNames): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(names.table)} (
       id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
       batch_id CHAR(36) NULL,
       push_started_at DATETIME NULL,
       push_completed_at DATETIME NULL,
       topic VARCHAR(255) NOT NULL,
       payload_json JSON NOT NULL,
       payload_headers JSON NOT NULL,
       push_attempts TINYINT NOT NULL DEFAULT 0,
       errored TINYINT NOT NULL DEFAULT 0,
       error_reason VARCHAR(255) NOT NULL DEFAULT '',
       created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
       partition_key VARCHAR(255) NOT NULL DEFAULT '',
       \`key\` VARCHAR(255) NOT NULL DEFAULT ''
     ) ENGINE=InnoDB`,
  );
  await ensureColumn(db, names.table, 'partition_key', `VARCHAR(255) NOT NULL DEFAULT ''`);
  await ensureColumn(db, names.table, 'key', `VARCHAR(255) NOT NULL DEFAULT ''`);
  await ensureIndex(db, names.table, names.pushCompletedIndex, ['push_completed_at']);
  await ensureIndex(db, names.table, names.batchIndex, ['batch_id', 'created_at']);
}

/**
 * The claim reads rows with push_completed_at NULL and errored 0 in id order. With this index InnoDB reads
 * exactly those rows, already in id order (the equality prefix leaves id sorted), and stops after LIMIT.
 * The push_completed_at index alone also avoids a sort (equal keys are kept in primary-key order) but walks
 * through errored rows: measured on MariaDB 10.11 with 300,000 published, 100,000 errored and 20,000
 * pending rows, claiming 250 took 209 ms without this index and 29 ms with it.
 */
async function addClaimIndex(db: Queryable, names: TableNames): Promise<void> {
  await ensureIndex(db, names.table, names.claimIndex, ['push_completed_at', 'errored', 'id']);
}

/** Shared mode (db/shares.ts): the share column and its index, online, then the lease tables. */
async function addShares(db: Queryable, names: TableNames): Promise<void> {
  await ensureShareColumn(db, names);
  await ensureShareIndex(db, names);
  await createShareTables(db, names);
}

export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: '001_go_relay_table', up: createGoRelayTable },
  { id: 2, name: '002_claim_index', up: addClaimIndex },
  { id: 3, name: '003_shares', up: addShares },
];
