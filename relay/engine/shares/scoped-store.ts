// The store as a shared relay's loop sees it: its claims read only the shares it holds, and its marks and
// failure counts are fenced by those shares' leases (db/shares.ts), so that a relay that has lost a share
// cannot write a row of it, even if it was paused past its lease. The scope is read at every call: shares
// taken while the loop runs are read from the next claim on.
import type { Fence } from '../../db/shares.js';
import type { OutboxStore, RowFailure } from '../../db/store.js';

export interface ShareScope {
  shares: readonly number[];
  fence: Fence;
}

export function shareScoped(store: OutboxStore, scope: () => ShareScope): OutboxStore {
  const scoped: Partial<OutboxStore> = {
    claim: (limit: number, claimTimeoutMs: number, exclude?: readonly string[], topics?: readonly string[]) =>
      store.claim(limit, claimTimeoutMs, exclude, topics, scope().shares),
    markPublished: (batchId: string, ids: string[]) => store.markPublished(batchId, ids, scope().fence),
    recordPermanentFailures: (batchId: string, failures: RowFailure[], maxAttempts: number) =>
      store.recordPermanentFailures(batchId, failures, maxAttempts, scope().fence),
  };
  // Everything else is the store's own (its methods keep the store as `this`).
  return new Proxy(store, {
    get: (target, property, receiver) =>
      property in scoped
        ? scoped[property as keyof OutboxStore]
        : (Reflect.get(target, property, receiver) as unknown),
  });
}
