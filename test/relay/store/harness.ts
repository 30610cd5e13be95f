// What the shared store contract needs from each dialect's test side: raw access to the test database
// (to insert rows the way applications do, to age timestamps, to hold row locks, to kill sessions) written
// in that dialect's SQL, independently of the store under test.
import type { Driver, StoreConfig } from '../../../relay/db/store.js';

export interface NewRow {
  topic?: string;
  payload?: string;
  headers?: string;
  key?: string;
  partitionKey?: string;
}

export interface RowState {
  batchId: string | null;
  pushStarted: boolean;
  pushCompleted: boolean;
  attempts: number;
  errored: number;
  errorReason: string;
}

export interface RowLocks {
  release(): Promise<void>;
}

export interface OpenInsert {
  id: string;
  commit(): Promise<void>;
}

export interface StoreHarness {
  driver: Driver;
  /** A store configuration for a table in this file's database. */
  config(table: string): StoreConfig;
  /** Inserts rows as an application does (only the public columns), in one transaction; returns their ids. */
  insertRows(table: string, rows: NewRow[]): Promise<string[]>;
  /** Inserts `count` rows with one statement. */
  insertMany(table: string, count: number, topic: string): Promise<void>;
  /**
   * Creates the table exactly as the Go relay's migrations left it, with golang-migrate's record; with
   * `firstVersionOnly`, as its first migration alone left it (no key columns, no batch index).
   */
  createGoRelayTable(table: string, firstVersionOnly?: boolean): Promise<void>;
  /** Turns payload_headers into text with default '' (what the Go relay's documentation describes). */
  makeHeadersText(table: string): Promise<void>;
  /** Inserts one row with topic, payload and headers only (tables without the key columns). */
  insertRowsWithoutKeys(table: string): Promise<string[]>;
  /** Inserts one row giving only topic and payload (payload_headers left to its default). */
  insertWithoutHeaders(table: string, topic: string, payload: string): Promise<string>;
  rowState(table: string, id: string): Promise<RowState>;
  rowCount(table: string): Promise<number>;
  /** Stamps these rows as claimed now by another publisher (as the Go relay claims: batch_id, push_started_at). */
  stampClaim(table: string, ids: string[], batchId: string): Promise<void>;
  /** Moves push_started_at back by `seconds` on rows of the batch. */
  ageClaim(table: string, batchId: string, seconds: number): Promise<void>;
  /** Moves push_completed_at back by `seconds` on these rows. */
  agePublished(table: string, ids: string[], seconds: number): Promise<void>;
  /** Moves created_at back by `seconds` on these rows. */
  ageCreated(table: string, ids: string[], seconds: number): Promise<void>;
  /** Inserts a row in a transaction left open on another connection, as an application mid-transaction. */
  beginInsert(table: string): Promise<OpenInsert>;
  /** Locks these rows FOR UPDATE in an open transaction on another connection, until release(). */
  lockRows(table: string, ids: string[]): Promise<RowLocks>;
  /** Kills every session of the test database but the harness's own (the stores' pooled connections). */
  killOtherSessions(): Promise<number>;
  /** Kills the database session holding the store's leadership lock. */
  killLeaderSession(store: { database: string; table: string }): Promise<void>;
  /** Names of the migrations recorded for the table. */
  recordedMigrations(table: string): Promise<string[]>;
  /** The columns of every index of the table but its primary key. */
  indexColumns(table: string): Promise<string[][]>;
  close(): Promise<void>;
}
