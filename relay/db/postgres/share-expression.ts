// The share of a row (db/shares.ts) on PostgreSQL, as one SQL expression: built here only, because the
// share index (migration 004) serves a query only when the query's expression is the index's, term for
// term. The claim, the fenced writes and pendingSince all take it from here.
//
// The ordering key is the partition key, else the key; hashtext() is immutable (an index may use it) and
// `& 63` keeps its low 6 bits, never negative. Rows without any key have no order to keep and are spread
// by id. A NULL key (a table allowing NULLs) counts as none: `NULL <> ''` is not true.
import { SHARE_COUNT } from '../shares.js';

const MASK = SHARE_COUNT - 1;

/** The share expression on the outbox table's columns, qualified with `alias` when given. */
export function shareExpression(alias?: string): string {
  const column = (name: string) => (alias === undefined ? name : `${alias}.${name}`);
  const key = `CASE WHEN ${column('partition_key')} <> '' THEN ${column('partition_key')} ELSE ${column('"key"')} END`;
  return `(CASE WHEN (${key}) <> '' THEN (hashtext(${key}) & ${MASK}) ELSE (${column('id')} % ${SHARE_COUNT})::int END)`;
}
