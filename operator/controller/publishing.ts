// The Publishing condition, from the relays' own reports (status.databases) and the clock: an ordered
// chain of checks over the databases, the first failing one decides. A refused credential comes first (no
// retry helps until someone fixes it), then an unreachable Kafka or database, then held topics, then a
// backlog whose oldest row is older than spec.relay.stalledAfter. A backlog that is not stalled yet gives
// the moment it would be, so the controller can requeue then: the relays write nothing while their backlog
// is unchanged, so no event would come to tell us.
import { ConditionType, Reason } from '../api/reasons.js';
import type { DatabaseReport, HeldReason, OutboxRelay } from '../api/types.js';
import { durationMs } from '../render/durations.js';
import type { ConditionInput } from './conditions.js';

export const DEFAULT_STALLED_AFTER = '5m';

export interface PublishingResult {
  condition: ConditionInput;
  /** When the backlog would become Stalled, in ms from now; absent when nothing would change by itself. */
  requeueAfterMs?: number;
}

type Check = (databases: readonly DatabaseReport[]) => { reason: string; message: string } | undefined;

const where = (d: DatabaseReport) => `database ${d.name} (pod ${d.reportedBy})`;
const detail = (message: string | undefined) => (message ? `: ${message}` : '');

function first(
  databases: readonly DatabaseReport[],
  test: (d: DatabaseReport) => boolean,
): DatabaseReport | undefined {
  return databases.find(test);
}

const kafkaUnauthorized: Check = (dbs) => {
  const d = first(dbs, (x) => x.kafka.state === 'Unauthorized');
  return (
    d && {
      reason: Reason.KafkaUnauthorized,
      message: `Kafka refused the relay's credentials for ${where(d)}${detail(d.kafka.message)}`,
    }
  );
};

const kafkaUnavailable: Check = (dbs) => {
  const d = first(dbs, (x) => x.kafka.state === 'Unavailable');
  return (
    d && {
      reason: Reason.KafkaUnavailable,
      message: `Kafka is unavailable to ${where(d)}${detail(d.kafka.message)}`,
    }
  );
};

const databaseUnavailable: Check = (dbs) => {
  const d = first(dbs, (x) => x.database.state === 'Unavailable');
  return (
    d && {
      reason: Reason.DatabaseUnavailable,
      message: `the relay cannot use ${where(d)}${detail(d.database.message)}`,
    }
  );
};

function heldCheck(held: HeldReason, reason: string, what: string): Check {
  return (dbs) => {
    const topics = dbs.flatMap((d) =>
      (d.heldTopics ?? []).filter((t) => t.reason === held).map((t) => `${t.topic} (database ${d.name})`),
    );
    if (topics.length === 0) return undefined;
    return { reason, message: `rows are held for ${what}: ${[...new Set(topics)].sort().join(', ')}` };
  };
}

export const PUBLISHING_CHAIN: readonly Check[] = [
  kafkaUnauthorized,
  kafkaUnavailable,
  databaseUnavailable,
  heldCheck('TopicMissing', Reason.TopicMissing, 'topics that do not exist'),
  heldCheck('TopicUnauthorized', Reason.TopicUnauthorized, 'topics the relay may not write'),
];

/** The database whose pending row is the oldest, with that row's time in ms. */
function oldestPending(databases: readonly DatabaseReport[]): { db: DatabaseReport; at: number } | undefined {
  let oldest: { db: DatabaseReport; at: number } | undefined;
  for (const db of databases) {
    if (db.pending <= 0 || !db.oldestPendingTime) continue;
    const at = Date.parse(db.oldestPendingTime);
    if (Number.isNaN(at)) continue;
    if (!oldest || at < oldest.at) oldest = { db, at };
  }
  return oldest;
}

export function stalledAfter(relay: OutboxRelay): string {
  return relay.spec.relay?.stalledAfter ?? DEFAULT_STALLED_AFTER;
}

export function evaluatePublishing(relay: OutboxRelay, nowMs: number): PublishingResult {
  const type = ConditionType.Publishing;
  const databases = relay.status?.databases ?? [];
  if (databases.length === 0) {
    const message = 'no relay pod has reported on the outbox yet';
    return { condition: { type, status: 'Unknown', reason: Reason.AwaitingReport, message } };
  }
  for (const check of PUBLISHING_CHAIN) {
    const failed = check(databases);
    if (failed) return { condition: { type, status: 'False', ...failed } };
  }
  const oldest = oldestPending(databases);
  const pending = databases.reduce((sum, d) => sum + Math.max(0, d.pending), 0);
  if (!oldest) {
    const message = pending > 0 ? `${pending} rows pending` : 'nothing is pending';
    return {
      condition: { type, status: 'True', reason: pending > 0 ? Reason.Publishing : Reason.Idle, message },
    };
  }
  const limit = stalledAfter(relay);
  const stalledAt = oldest.at + durationMs(limit);
  if (nowMs >= stalledAt) {
    const message =
      `the oldest pending row of database ${oldest.db.name} was written at ${oldest.db.oldestPendingTime}, ` +
      `more than spec.relay.stalledAfter (${limit}) ago`;
    return { condition: { type, status: 'False', reason: Reason.Stalled, message } };
  }
  return {
    condition: {
      type,
      status: 'True',
      reason: Reason.Publishing,
      message: `${pending} rows pending, the oldest written at ${oldest.db.oldestPendingTime}`,
    },
    requeueAfterMs: stalledAt - nowMs,
  };
}
