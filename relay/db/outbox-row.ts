// An outbox row as the publishing engine sees it, built from the columns a dialect read. The public
// columns are NOT NULL in the tables the relay creates, but a table made by hand or adopted from another
// publisher may allow NULLs: a NULL is never turned into text (String(null) is 'null', a key the
// application never wrote) nor left for the engine to trip over (a TypeError on every claim, a relay in a
// crash loop). The row carries a defect naming the column instead, and the engine errors it like any row
// that cannot be published, while the rows after it keep flowing.
import type { OutboxRow } from './store.js';

/** The columns as read; null where the database gave NULL. */
export interface OutboxColumns {
  id: string;
  topic: string | null;
  payload: Buffer | null;
  headers: string | null;
  key: string | null;
  partitionKey: string | null;
  attempts: number;
}

/** The public columns' names in the table, by field. */
const COLUMN_NAMES = {
  topic: 'topic',
  key: 'key',
  partitionKey: 'partition_key',
  headers: 'payload_headers',
  payload: 'payload_json',
} as const;

export function outboxRow(columns: OutboxColumns): OutboxRow {
  const row: OutboxRow = {
    id: columns.id,
    topic: columns.topic ?? '',
    payload: columns.payload ?? Buffer.alloc(0),
    headers: columns.headers ?? '',
    key: columns.key ?? '',
    partitionKey: columns.partitionKey ?? '',
    attempts: columns.attempts,
  };
  const nulls = (Object.keys(COLUMN_NAMES) as (keyof typeof COLUMN_NAMES)[])
    .filter((field) => columns[field] === null || columns[field] === undefined)
    .map((field) => COLUMN_NAMES[field]);
  if (nulls.length > 0) row.defect = `${nulls.join(', ')} ${nulls.length === 1 ? 'is' : 'are'} NULL`;
  return row;
}
