// Table names come from configuration and are the only thing ever written into SQL text: everything else is
// a bound parameter. So the name is checked against a strict identifier pattern and then quoted, and every
// name derived from it (indexes, trigger, lock names, the LISTEN channel) is built here from the checked name.
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** Letters, digits and underscores, not starting with a digit (also the CRD's, config/definitions.ts). */
export const TABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
const IDENTIFIER = new RegExp(TABLE_NAME_PATTERN);

/**
 * PostgreSQL truncates identifiers at 63 bytes and MySQL refuses more than 64; the longest suffix we append
 * (`_relay_migrations`, `_push_completed_at`) is 18 characters, so 40 keeps every derived name whole.
 */
export const MAX_TABLE_NAME_LENGTH = 40;

export function validateTableName(name: string, field = 'OUTBOX_TABLE'): string {
  if (!IDENTIFIER.test(name)) {
    throw new ConfigError(
      field,
      `"${name}" is not a table name: use letters, digits and _, not starting with a digit`,
    );
  }
  if (name.length > MAX_TABLE_NAME_LENGTH) {
    throw new ConfigError(field, `"${name}" is longer than ${MAX_TABLE_NAME_LENGTH} characters`);
  }
  return name;
}

function assertIdentifier(name: string): void {
  if (!IDENTIFIER.test(name)) throw new Error(`not a validated identifier: ${JSON.stringify(name)}`);
}

/** A PostgreSQL quoted identifier. Only ever called with names that passed the identifier pattern. */
export function quotePostgres(name: string): string {
  assertIdentifier(name);
  return `"${name}"`;
}

/** A MySQL quoted identifier. Only ever called with names that passed the identifier pattern. */
export function quoteMysql(name: string): string {
  assertIdentifier(name);
  return `\`${name}\``;
}

/** Every name the relay creates or uses for one outbox table. */
export interface TableNames {
  table: string;
  migrations: string;
  pushCompletedIndex: string;
  batchIndex: string;
  claimIndex: string;
  notifyFunction: string;
  notifyTrigger: string;
  /** The LISTEN/NOTIFY channel (PostgreSQL). */
  channel: string;
  /** The index that serves the share claim (db/shares.ts). */
  shareIndex: string;
  /** The share leases: one row per share (owner, epoch, lease end). */
  shares: string;
  /** The relays alive in shared mode, each with the end of its heartbeat. */
  members: string;
  /** Facts about the table kept in the database (its identity). */
  meta: string;
}

export function tableNames(table: string): TableNames {
  validateTableName(table);
  return {
    table,
    migrations: `${table}_relay_migrations`,
    pushCompletedIndex: `${table}_push_completed_at`,
    batchIndex: `${table}_batch_query`,
    claimIndex: `${table}_relay_claim`,
    notifyFunction: `${table}_relay_notify`,
    notifyTrigger: `${table}_relay_notify`,
    channel: `${table}_relay_wake`,
    shareIndex: `${table}_relay_share`,
    shares: `${table}_relay_shares`,
    members: `${table}_relay_members`,
    meta: `${table}_relay_meta`,
  };
}

/** A signed 64-bit advisory lock key (PostgreSQL bigint, as a decimal string) for a purpose on a table. */
export function advisoryLockKey(purpose: 'leader' | 'migrate', database: string, table: string): string {
  const digest = createHash('sha256').update(`kafka-outbox-relay:${purpose}:${database}:${table}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/**
 * A MySQL named lock (GET_LOCK) for a purpose on a table. Named locks are server-wide and their names are
 * limited to 64 characters, so the database and table are hashed into the name.
 */
export function namedLock(purpose: 'leader' | 'migrate', database: string, table: string): string {
  const digest = createHash('sha256').update(`${database}:${table}`).digest('hex');
  return `outbox_relay_${purpose}_${digest.slice(0, 40)}`;
}

/** Outbox ids given by a user (requeue): decimal digits only, so both dialects read them the same way. */
export function validateRowIds(ids: readonly string[]): string[] {
  const bad = ids.find((id) => !/^[0-9]{1,19}$/.test(id));
  if (bad !== undefined)
    throw new ConfigError('ids', `"${bad}" is not an outbox row id (a positive integer)`);
  return [...ids];
}
