// The status query's row, as both dialects return it (counts may come back as strings), as a StoreStatus.
import type { StoreStatus } from './store.js';

export interface StatusRecord {
  pending: string | number;
  errored: string | number;
  total: string | number;
  oldest_pending_age_seconds: string | number | null;
}

export function toStoreStatus(database: string, record: StatusRecord): StoreStatus {
  const age = record.oldest_pending_age_seconds;
  return {
    database,
    pending: Number(record.pending),
    errored: Number(record.errored),
    total: Number(record.total),
    oldestPendingAgeSeconds: age === null ? null : Math.max(0, Number(age)),
  };
}
