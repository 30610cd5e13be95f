// Reads what the report says, at refresh time: the outbox counts of each database this pod leads (the
// status() query behind the queue-size gauges), the topics its relay holds, its last publish, and whether
// Kafka answers as /readyz sees it (one broker is enough). A database whose counts cannot be read is
// reported Unavailable with the error's message; messages are the relay's own, built without credentials.
import type { OutboxStore } from '../db/store.js';
import type { DatabaseRelay } from '../engine/database-relay.js';
import type { ReportInput, DatabaseSnapshot } from './build-report.js';
import type { IsLive } from './prune-publishers.js';

/** Enough for a condition's message; an error's whole text belongs in the log. */
const MAX_MESSAGE = 512;
const short = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).slice(0, MAX_MESSAGE);

type Relay = Pick<DatabaseRelay, 'database' | 'isLeader' | 'heldTopics'> &
  Partial<Pick<DatabaseRelay, 'shares'>>;

export interface ReportSources {
  relays: () => readonly Relay[];
  stores: () => readonly Pick<OutboxStore, 'database' | 'status'>[];
  /** Resolves when a Kafka broker answers. */
  kafkaReachable: () => Promise<void>;
  lastPublishedAt: (database: string) => number | undefined;
  /** Whether a pod has a live member in a database's lease table (prune-publishers.ts); absent: no prune. */
  isLive?: IsLive;
}

async function snapshot(relay: Relay, sources: ReportSources): Promise<DatabaseSnapshot> {
  const shares = relay.shares?.();
  const base = {
    name: relay.database,
    held: relay.heldTopics(),
    ...(shares !== undefined ? { shares } : {}),
    ...(sources.lastPublishedAt(relay.database) !== undefined
      ? { lastPublishedAt: sources.lastPublishedAt(relay.database) }
      : {}),
  };
  const store = sources.stores().find((s) => s.database === relay.database);
  if (!store) return { ...base, unavailable: 'no store for this database' };
  try {
    const s = await store.status();
    return {
      ...base,
      counts: { pending: s.pending, errored: s.errored, oldestPendingAgeSeconds: s.oldestPendingAgeSeconds },
    };
  } catch (error) {
    return { ...base, unavailable: short(error) };
  }
}

export async function collectReport(
  sources: ReportSources,
): Promise<Pick<ReportInput, 'databases' | 'kafka'>> {
  const led = sources.relays().filter((r) => r.isLeader());
  if (led.length === 0) return { databases: [], kafka: { state: 'Available', message: 'reachable' } };
  const [databases, kafka] = await Promise.all([
    Promise.all(led.map((r) => snapshot(r, sources))),
    sources.kafkaReachable().then(
      () => ({ state: 'Available' as const, message: 'reachable' }),
      (error: unknown) => ({ state: 'Unavailable' as const, message: short(error) }),
    ),
  ]);
  return { databases, kafka };
}
