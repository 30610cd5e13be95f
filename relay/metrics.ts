// Prometheus metrics. The Go relay's gauges keep their names (dashboards and alerts use them) and are read
// at scrape time through collect; the relay's own series carry the outbox_relay_ prefix. The only label is
// the database name (and a retry's operation): low cardinality, and never a secret. Every series with
// known labels exists from the first scrape, whatever state the databases are in: the counters at 0 (an
// increase() over a series that appears with its first increment misses that increment), the leader
// gauge at 0, and outbox_relay_database_reachable, so an alert can fire for a relay that never reached
// its database.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OutboxStore, StoreStatus } from './db/store.js';
import type { Logger } from './logger.js';

/**
 * The operations a retry is counted under: the loop's steps and the leadership's, and at start the
 * migrations (or the ping, with SKIP_MIGRATIONS) of each database and the first Kafka connection (counted
 * under every database the relay serves), so that a relay that never got going is seen retrying too.
 */
export const RETRY_OPERATIONS = [
  'claim',
  'publish',
  'resolve',
  'leadership',
  'shares',
  'read-back',
  'migrate',
  'connect',
] as const;

export interface RelayMetrics {
  registry: Registry;
  published: Counter<'database'>;
  errored: Counter<'database'>;
  retries: Counter<'database' | 'operation'>;
  batchDuration: Histogram<'database'>;
  leader: Gauge<'database'>;
  heldTopics: Gauge<'database'>;
  /** Shares of the key space this relay holds (shared mode; 0 in standby mode). */
  shares: Gauge<'database'>;
  /** Rows a read-back found in Kafka and marked without sending them again. */
  readBackMarked: Counter<'database'>;
}

export function createMetrics(deps: { stores: () => readonly OutboxStore[]; logger: Logger }): RelayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerStatusGauges(registry, cachedStatuses(deps.stores, deps.logger.child({ component: 'metrics' })));
  const metrics = { registry, ...counters(registry), ...gauges(registry) };
  for (const database of deps.stores().map((s) => s.database)) startAtZero(metrics, database);
  return metrics;
}

function startAtZero(m: RelayMetrics, database: string): void {
  m.published.inc({ database }, 0);
  m.errored.inc({ database }, 0);
  for (const operation of RETRY_OPERATIONS) m.retries.inc({ database, operation }, 0);
  m.leader.set({ database }, 0);
  m.heldTopics.set({ database }, 0);
  m.shares.set({ database }, 0);
  m.readBackMarked.inc({ database }, 0);
}

/** A database's status as this scrape read it; undefined when it could not be read. */
type Read = { database: string; status: StoreStatus | undefined };
type Statuses = () => Promise<Read[]>;

/**
 * Four gauges come from the same status() query; one scrape reads it once per database, not four times
 * (status() counts the table, which is not free on a large one).
 */
function cachedStatuses(stores: () => readonly OutboxStore[], log: Logger): Statuses {
  async function readStatuses(): Promise<Read[]> {
    const all = stores();
    const results = await Promise.allSettled(all.map((s) => s.status()));
    return results.map((r, i) => {
      const database = (all[i] as OutboxStore).database;
      if (r.status === 'fulfilled') return { database, status: r.value };
      log.warn({ err: r.reason }, 'cannot read the outbox size');
      return { database, status: undefined };
    });
  }
  let cached: { at: number; value: Promise<Read[]> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > 1000) cached = { at: now, value: readStatuses() };
    return cached.value;
  };
}

/** The gauges read from the stores' status at scrape time: name, help, and the value of a status. */
const STATUS_GAUGES: readonly [string, string, (s: StoreStatus) => number][] = [
  ['kafka_outbox_queue_size', 'Outbox rows not yet published (and not errored).', (s) => s.pending],
  ['kafka_outbox_total_size', 'All rows in the outbox table.', (s) => s.total],
  [
    'outbox_relay_oldest_pending_age_seconds',
    'Age of the oldest row not yet published (and not errored); 0 when nothing is pending.',
    (s) => s.oldestPendingAgeSeconds ?? 0,
  ],
  [
    'outbox_relay_errored_rows',
    'Rows in the table marked errored (waiting for `outbox-relay requeue` or cleanup by hand).',
    (s) => s.errored,
  ],
];

function registerStatusGauges(registry: Registry, statuses: Statuses): void {
  for (const [name, help, value] of STATUS_GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: ['database'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const { status } of await statuses())
          if (status) this.set({ database: status.database }, value(status));
      },
    });
  }
  new Gauge({
    name: 'outbox_relay_database_reachable',
    help: '1 when this scrape could read the outbox of the database, else 0.',
    labelNames: ['database'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { database, status } of await statuses()) this.set({ database }, status ? 1 : 0);
    },
  });
}

function counters(
  registry: Registry,
): Pick<RelayMetrics, 'published' | 'errored' | 'retries' | 'batchDuration' | 'readBackMarked'> {
  return {
    readBackMarked: new Counter({
      name: 'outbox_relay_read_back_marked_total',
      help: 'Rows found in Kafka by a read-back at a takeover and marked published without being sent again.',
      labelNames: ['database'],
      registers: [registry],
    }),
    published: new Counter({
      name: 'outbox_relay_published_total',
      help: 'Rows published to Kafka and marked published.',
      labelNames: ['database'],
      registers: [registry],
    }),
    errored: new Counter({
      name: 'outbox_relay_errored_total',
      help: 'Rows marked errored after their last permanent failure.',
      labelNames: ['database'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'outbox_relay_retries_total',
      help: 'Transient failures waited out (Kafka or database unavailable).',
      labelNames: ['database', 'operation'],
      registers: [registry],
    }),
    batchDuration: new Histogram({
      name: 'outbox_relay_batch_duration_seconds',
      help: 'Time to publish and resolve one batch.',
      labelNames: ['database'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

function gauges(registry: Registry): Pick<RelayMetrics, 'leader' | 'heldTopics' | 'shares'> {
  return {
    shares: new Gauge({
      name: 'outbox_relay_shares',
      help: 'Shares of the key space this relay holds and publishes (shared mode), of 64.',
      labelNames: ['database'],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'outbox_relay_leader',
      help: '1 while this relay is the one publishing the database, else 0.',
      labelNames: ['database'],
      registers: [registry],
    }),
    // A count, not a series per topic: topic names are the applications' to choose (one per tenant, per
    // entity type...), and a label of them would make a series for every topic ever held. The names are
    // in the log lines that hold and release each topic, and in heldTopics() for a status report.
    heldTopics: new Gauge({
      name: 'outbox_relay_held_topics',
      help: 'Topics whose rows this relay holds (missing, or not writable by it); their rows wait, uncounted.',
      labelNames: ['database'],
      registers: [registry],
    }),
  };
}
