// An in-memory OutboxStore with the contract's semantics, for unit tests of the engine. Failures can be
// injected per method (`failNext`) to play database outages.
import { randomUUID } from 'node:crypto';
import type { Claim, Leadership, OutboxRow, OutboxStore, RowFailure, StoreStatus } from '../db/store.js';

export interface FakeRow extends OutboxRow {
  createdAt: Date;
  batchId: string | null;
  claimedAt: number | null;
  publishedAt: number | null;
  errored: boolean;
  errorReason: string;
}

type Method =
  'claim' | 'clearClaims' | 'markPublished' | 'recordPermanentFailures' | 'ping' | 'acquireLeadership';

export interface FakeStore extends OutboxStore {
  rows: FakeRow[];
  insert(row: Partial<OutboxRow> & { topic: string }): string;
  failNext(method: Method, error: Error, times?: number): void;
  calls: { method: string; args: unknown[] }[];
  /** Who holds leadership (for several fakes sharing one `shared` object). */
  now: () => number;
}

export function createFakeStore(
  options: { database?: string; now?: () => number; shared?: { leader: object | null } } = {},
): FakeStore {
  const rows: FakeRow[] = [];
  const failures = new Map<Method, { error: Error; times: number }>();
  const calls: { method: string; args: unknown[] }[] = [];
  const shared = options.shared ?? { leader: null };
  let nextId = 1;
  const self = {} as FakeStore;

  const maybeFail = (method: Method, args: unknown[]) => {
    calls.push({ method, args });
    const f = failures.get(method);
    if (f && f.times > 0) {
      f.times--;
      throw f.error;
    }
  };
  const pending = () => rows.filter((r) => r.publishedAt === null && !r.errored);

  Object.assign(self, {
    driver: 'postgres',
    database: options.database ?? 'fake',
    table: 'kafka_outbox',
    rows,
    calls,
    now: options.now ?? Date.now,
    insert(row: Partial<OutboxRow> & { topic: string }) {
      const id = row.id ?? String(nextId++);
      rows.push({
        id,
        topic: row.topic,
        payload: row.payload ?? Buffer.from('{}'),
        headers: row.headers ?? '{}',
        key: row.key ?? '',
        partitionKey: row.partitionKey ?? '',
        attempts: row.attempts ?? 0,
        createdAt: new Date(self.now()),
        batchId: null,
        claimedAt: null,
        publishedAt: null,
        errored: false,
        errorReason: '',
      });
      return id;
    },
    failNext(method: Method, error: Error, times = 1) {
      failures.set(method, { error, times });
    },
    async ping() {
      maybeFail('ping', []);
    },
    async migrate() {
      return { applied: [], adoptedGoRelayTable: false };
    },
    async claim(
      limit: number,
      claimTimeoutMs: number,
      exclude: readonly string[] = [],
      excludeTopics: readonly string[] = [],
    ): Promise<Claim> {
      maybeFail('claim', [limit, claimTimeoutMs, exclude, excludeTopics]);
      const now = self.now();
      const eligible = pending()
        .filter((r) => !exclude.includes(r.id) && !excludeTopics.includes(r.topic))
        .filter((r) => r.batchId === null || (r.claimedAt !== null && now - r.claimedAt >= claimTimeoutMs))
        .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)))
        .slice(0, limit);
      return { batchId: randomUUID(), rows: eligible.map((r) => ({ ...r })) };
    },
    async clearClaims() {
      maybeFail('clearClaims', []);
      const claimed = pending().filter((r) => r.batchId !== null || r.claimedAt !== null);
      for (const r of claimed) Object.assign(r, { batchId: null, claimedAt: null });
      return claimed.length;
    },
    async markPublished(batchId: string, ids: string[]) {
      maybeFail('markPublished', [batchId, ids]);
      for (const r of rows.filter((r) => ids.includes(r.id) && r.publishedAt === null)) {
        Object.assign(r, { batchId, claimedAt: self.now(), publishedAt: self.now() });
      }
    },
    async recordPermanentFailures(batchId: string, list: RowFailure[], maxAttempts: number) {
      maybeFail('recordPermanentFailures', [batchId, list, maxAttempts]);
      const errored: string[] = [];
      for (const f of list) {
        const r = pending().find((row) => row.id === f.id);
        if (!r) continue;
        r.attempts++;
        if (r.attempts >= maxAttempts) {
          Object.assign(r, { errored: true, errorReason: f.reason, batchId, claimedAt: self.now() });
          errored.push(r.id);
        }
      }
      return errored;
    },
    async cleanup(retentionMs: number) {
      const before = rows.length;
      const keep = rows.filter((r) => r.publishedAt === null || self.now() - r.publishedAt < retentionMs);
      rows.splice(0, rows.length, ...keep);
      return before - rows.length;
    },
    async optimize() {},
    async status(): Promise<StoreStatus> {
      const pending = rows.filter((r) => r.publishedAt === null && !r.errored);
      const oldest = pending.reduce<number | null>(
        (min, r) => Math.min(min ?? Infinity, r.createdAt.getTime()),
        null,
      );
      return {
        database: self.database,
        pending: pending.length,
        errored: rows.filter((r) => r.errored).length,
        total: rows.length,
        oldestPendingAgeSeconds: oldest === null ? null : (self.now() - oldest) / 1000,
      };
    },
    async requeue(ids: string[] | 'all') {
      const chosen = rows.filter((r) => r.errored && (ids === 'all' || ids.includes(r.id)));
      for (const r of chosen)
        Object.assign(r, { errored: false, attempts: 0, batchId: null, claimedAt: null, errorReason: '' });
      return chosen.length;
    },
    async acquireLeadership(): Promise<Leadership | null> {
      maybeFail('acquireLeadership', []);
      if (shared.leader !== null) return null;
      const token = {};
      shared.leader = token;
      let lose!: () => void;
      const lost = new Promise<void>((resolve) => (lose = resolve));
      return {
        lost,
        async release() {
          if (shared.leader === token) shared.leader = null;
          lose();
        },
      };
    },
    async listen() {
      return undefined;
    },
    async close() {},
  });
  return self;
}
