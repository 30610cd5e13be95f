// An in-memory OutboxStore with the contract's semantics, for unit tests of the engine. Failures can be
// injected per method (`failNext`) to play database outages.
import { randomUUID } from 'node:crypto';
import type {
  Claim,
  Leadership,
  MigrationResult,
  OutboxRow,
  OutboxStore,
  RowFailure,
  StoreStatus,
} from '../db/store.js';
import type { Fence, PendingSince } from '../db/shares.js';
import { fakeShareOf, FakeShareLeases } from './fake-share-leases.js';

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
  readonly shares: FakeShareLeases;
  calls: { method: string; args: unknown[] }[];
  /** Who holds leadership (for several fakes sharing one `shared` object). */
  now: () => number;
}

export interface FakeStoreOptions {
  database?: string;
  now?: () => number;
  shared?: { leader: object | null };
}

export function createFakeStore(options: FakeStoreOptions = {}): FakeStore {
  return new FakeOutboxStore(options);
}

class FakeOutboxStore implements FakeStore {
  readonly driver = 'postgres';
  readonly database: string;
  readonly table = 'kafka_outbox';
  readonly rows: FakeRow[] = [];
  readonly calls: { method: string; args: unknown[] }[] = [];
  now: () => number;
  private readonly failures = new Map<Method, { error: Error; times: number }>();
  private readonly shared: { leader: object | null };
  private nextId = 1;
  readonly shares: FakeShareLeases;

  constructor(options: FakeStoreOptions) {
    this.database = options.database ?? 'fake';
    this.now = options.now ?? Date.now;
    this.shares = new FakeShareLeases(() => this.now());
    this.shared = options.shared ?? { leader: null };
  }

  insert(row: Partial<OutboxRow> & { topic: string }): string {
    const id = row.id ?? String(this.nextId++);
    this.rows.push({
      id,
      topic: row.topic,
      payload: row.payload ?? Buffer.from('{}'),
      headers: row.headers ?? '{}',
      key: row.key ?? '',
      partitionKey: row.partitionKey ?? '',
      attempts: row.attempts ?? 0,
      createdAt: new Date(this.now()),
      batchId: null,
      claimedAt: null,
      publishedAt: null,
      errored: false,
      errorReason: '',
    });
    return id;
  }

  failNext(method: Method, error: Error, times = 1): void {
    this.failures.set(method, { error, times });
  }

  async ping(): Promise<void> {
    this.maybeFail('ping', []);
  }

  async migrate(): Promise<MigrationResult> {
    return { applied: [], adoptedGoRelayTable: false };
  }

  async claim(
    limit: number,
    claimTimeoutMs: number,
    exclude: readonly string[] = [],
    excludeTopics: readonly string[] = [],
    shares?: readonly number[],
  ): Promise<Claim> {
    this.maybeFail('claim', [limit, claimTimeoutMs, exclude, excludeTopics, shares]);
    const now = this.now();
    const eligible = this.pending()
      .filter((r) => !exclude.includes(r.id) && !excludeTopics.includes(r.topic))
      .filter((r) => shares === undefined || shares.includes(fakeShareOf(r)))
      .filter((r) => r.batchId === null || (r.claimedAt !== null && now - r.claimedAt >= claimTimeoutMs))
      .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)))
      .slice(0, limit);
    return { batchId: randomUUID(), rows: eligible.map((r) => ({ ...r })) };
  }

  async clearClaims(): Promise<number> {
    this.maybeFail('clearClaims', []);
    const claimed = this.pending().filter((r) => r.batchId !== null || r.claimedAt !== null);
    for (const r of claimed) Object.assign(r, { batchId: null, claimedAt: null });
    return claimed.length;
  }

  async markPublished(batchId: string, ids: string[], fence?: Fence): Promise<number> {
    this.maybeFail('markPublished', [batchId, ids, fence]);
    const marked = this.rows.filter(
      (r) => ids.includes(r.id) && r.publishedAt === null && this.admits(fence, r),
    );
    for (const r of marked) Object.assign(r, { batchId, claimedAt: this.now(), publishedAt: this.now() });
    return marked.length;
  }

  async recordPermanentFailures(
    batchId: string,
    list: RowFailure[],
    maxAttempts: number,
    fence?: Fence,
  ): Promise<string[]> {
    this.maybeFail('recordPermanentFailures', [batchId, list, maxAttempts, fence]);
    const errored: string[] = [];
    for (const f of list) {
      const r = this.pending().find((row) => row.id === f.id);
      if (!r || !this.admits(fence, r)) continue;
      r.attempts++;
      if (r.attempts >= maxAttempts) {
        Object.assign(r, { errored: true, errorReason: f.reason, batchId, claimedAt: this.now() });
        errored.push(r.id);
      }
    }
    return errored;
  }

  async identity(): Promise<string> {
    return `fake-${this.database}-${this.table}`;
  }

  async pendingSince(shares?: readonly number[]): Promise<PendingSince> {
    const rows = this.pending().filter((r) => shares === undefined || shares.includes(fakeShareOf(r)));
    const oldest = rows.reduce((min, r) => Math.min(min, r.createdAt.getTime()), Infinity);
    return {
      topics: [...new Set(rows.map((r) => r.topic))].sort(),
      oldestAgeMs: rows.length === 0 ? null : this.now() - oldest,
      pending: rows.length,
      oldestAgeByTopic: Object.fromEntries(
        [...new Set(rows.map((r) => r.topic))].map((t) => [
          t,
          this.now() - Math.min(...rows.filter((r) => r.topic === t).map((r) => r.createdAt.getTime())),
        ]),
      ),
    };
  }

  async cleanup(retentionMs: number): Promise<number> {
    const before = this.rows.length;
    const keep = this.rows.filter((r) => r.publishedAt === null || this.now() - r.publishedAt < retentionMs);
    this.rows.splice(0, this.rows.length, ...keep);
    return before - this.rows.length;
  }

  async optimize(): Promise<void> {}

  async status(): Promise<StoreStatus> {
    const pending = this.pending();
    const oldest = pending.reduce<number | null>(
      (min, r) => Math.min(min ?? Infinity, r.createdAt.getTime()),
      null,
    );
    return {
      database: this.database,
      pending: pending.length,
      errored: this.rows.filter((r) => r.errored).length,
      total: this.rows.length,
      oldestPendingAgeSeconds: oldest === null ? null : (this.now() - oldest) / 1000,
    };
  }

  async requeue(ids: string[] | 'all'): Promise<number> {
    const chosen = this.rows.filter((r) => r.errored && (ids === 'all' || ids.includes(r.id)));
    for (const r of chosen)
      Object.assign(r, { errored: false, attempts: 0, batchId: null, claimedAt: null, errorReason: '' });
    return chosen.length;
  }

  async acquireLeadership(): Promise<Leadership | null> {
    this.maybeFail('acquireLeadership', []);
    const shared = this.shared;
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
  }

  async listen(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {}

  private maybeFail(method: Method, args: unknown[]): void {
    this.calls.push({ method, args });
    const f = this.failures.get(method);
    if (f && f.times > 0) {
      f.times--;
      throw f.error;
    }
  }

  private admits(fence: Fence | undefined, row: FakeRow): boolean {
    return fence === undefined || this.shares.admits(fence, fakeShareOf(row));
  }

  private pending(): FakeRow[] {
    return this.rows.filter((r) => r.publishedAt === null && !r.errored);
  }
}
