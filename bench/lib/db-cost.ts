// The relay's database cost per published row, from the statistics deltas of db-stats.ts.
import type { Counters } from './db-stats.js';
import type { Driver } from './outbox.js';
import { checked, type SummaryRow } from './results.js';
import { round } from './stats.js';

export interface DbCost {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  statementsPerRow: number;
  rowsReadPerRow: number;
  rowsWrittenPerRow: number;
  /** PostgreSQL: all transactions per row, the relay's statements and the server's own. */
  serverTransactionsPerRow?: number;
  /** How each figure was obtained. */
  method: string;
}

/**
 * `relayDelta` is the phase's delta less the calibration; `appTransactions` are the application's own
 * statements in the phase (each insert of the latency benchmark is one), which PostgreSQL's per-database
 * counters include.
 */
export function dbCost(driver: Driver, relayDelta: Counters, published: number, appTransactions = 0): DbCost {
  const per = (n: number) => (published > 0 ? round(n / published, 4) : NaN);
  if (driver === 'postgres') {
    const transactions = (relayDelta.xact_commit ?? 0) + (relayDelta.xact_rollback ?? 0) - appTransactions;
    const counted = relayDelta.pgss_statements;
    const statements = counted ?? transactions;
    const rowsRead = (relayDelta.seq_tup_read ?? 0) + (relayDelta.idx_tup_fetch ?? 0);
    const rowsWritten = (relayDelta.n_tup_upd ?? 0) + (relayDelta.n_tup_del ?? 0);
    return {
      statements,
      rowsRead,
      rowsWritten,
      statementsPerRow: per(statements),
      rowsReadPerRow: per(rowsRead),
      rowsWrittenPerRow: per(rowsWritten),
      serverTransactionsPerRow: per(transactions),
      method:
        (counted !== undefined
          ? "statements: the relay's statements counted by pg_stat_statements (every statement in the " +
            "database but INSERTs and the statistics queries); server transactions: pg_stat_database's " +
            "committed and rolled back transactions less the application's inserts, which also counts the " +
            "server's own transaction for each delivery of notifications to the relay's LISTEN connection"
          : 'statements: transactions committed or rolled back in the database (pg_stat_database) less the ' +
            "application's inserts (pg_stat_statements not loaded), each relay statement being its own " +
            "transaction, plus the server's own transaction for each delivery of notifications") +
        "; rows read: the outbox table's seq_tup_read + idx_tup_fetch; rows written: its n_tup_upd + " +
        'n_tup_del (pg_stat_user_tables)',
    };
  }
  const statements =
    (relayDelta['user.select_commands'] ?? 0) +
    (relayDelta['user.update_commands'] ?? 0) +
    (relayDelta['user.other_commands'] ?? 0);
  const rowsRead = relayDelta['user.rows_read'] ?? 0;
  const rowsWritten = (relayDelta['user.rows_updated'] ?? 0) + (relayDelta['user.rows_deleted'] ?? 0);
  return {
    statements,
    rowsRead,
    rowsWritten,
    statementsPerRow: per(statements),
    rowsReadPerRow: per(rowsRead),
    rowsWrittenPerRow: per(rowsWritten),
    method:
      "statements: the relay's own database user's SELECT + UPDATE + other commands " +
      '(information_schema.USER_STATISTICS, with userstat on; other commands include BEGIN/COMMIT, ' +
      'SET and lock calls); rows read and written: the same user’s ROWS_READ and ROWS_UPDATED + ROWS_DELETED, ' +
      'all tables: in shared mode they include the share leases (64 rows renewed every fifth of a lease)',
  };
}

/** "Well under one statement per row": we read it as at most 0.5. */
export const STATEMENTS_PER_ROW_TARGET = 0.5;

export function costRows(cost: DbCost, phase: string): SummaryRow[] {
  return [
    {
      ...checked(
        `${phase}: statements per published row`,
        cost.statementsPerRow,
        'statements',
        '<=',
        STATEMENTS_PER_ROW_TARGET,
      ),
      target: `<= ${STATEMENTS_PER_ROW_TARGET} (well under 1)`,
    },
    ...(cost.serverTransactionsPerRow === undefined
      ? []
      : [
          {
            measure: `${phase}: server transactions per published row (with notification deliveries)`,
            value: cost.serverTransactionsPerRow,
            unit: 'transactions',
          },
        ]),
    { measure: `${phase}: rows read per published row`, value: cost.rowsReadPerRow, unit: 'rows' },
    { measure: `${phase}: rows written per published row`, value: cost.rowsWrittenPerRow, unit: 'rows' },
  ];
}
