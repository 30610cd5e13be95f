// Builds the report (report-types.ts) from what the relay knows, without I/O: the outbox counts of each
// database this pod leads, the topics it holds, its last publish and whether Kafka and each database
// answer. An unchanged world must give a byte-identical report, since the reporter writes only on change:
// times are whole seconds, lists are sorted, and the oldest pending row's time, computed as now minus the
// age the database measured, keeps its previous value while it moves by less than OLDEST_JITTER_MS (the
// two clocks are read a query's latency apart, so the computed time wobbles around a second boundary).
// Every entry always carries heldTopics and both messages: under server-side apply a field this pod
// stops sending would stay owned by an earlier pod's field manager and keep its stale value.
import type { HeldTopicStatus } from '../engine/held-topics.js';
import { compact } from '../engine/shares/timing.js';
import type {
  DatabaseReport,
  DatabaseState,
  HeldReason,
  KafkaState,
  ReachabilityReport,
} from './report-types.js';

export const OLDEST_JITTER_MS = 2000;
/** The CRD's bounds (crds/outboxrelays.yaml): a report beyond them would be refused whole. */
export const MAX_HELD_TOPICS = 256;
export const MAX_MESSAGE = 1024;

const bounded = (message: string) => message.slice(0, MAX_MESSAGE);

export interface OutboxCounts {
  pending: number;
  errored: number;
  /** null when nothing is pending. */
  oldestPendingAgeSeconds: number | null;
}

export interface DatabaseSnapshot {
  name: string;
  /** The counts just read; undefined when the read failed (then `unavailable` says why). */
  counts?: OutboxCounts;
  unavailable?: string;
  /** When Kafka last acknowledged a batch of this database from this pod (epoch ms). */
  lastPublishedAt?: number;
  held: readonly HeldTopicStatus[];
  /** Shared mode: the shares this pod holds (undefined in standby mode). */
  shares?: readonly number[];
}

export interface ReportInput {
  now: number;
  podName: string;
  /** The databases this pod leads. */
  databases: readonly DatabaseSnapshot[];
  kafka: ReachabilityReport<KafkaState>;
  /** The last report applied: its times are kept while they only wobble, its counts while a read fails. */
  previous?: readonly DatabaseReport[];
}

/** RFC 3339 in whole seconds (floored), as the API server stores a date-time. */
export function wholeSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** TopicUnauthorized when the broker refused the write, otherwise TopicMissing. */
export function heldReason(reason: string): HeldReason {
  return /AUTHORIZATION_FAILED|not authori[sz]ed/i.test(reason) ? 'TopicUnauthorized' : 'TopicMissing';
}

function oldestPendingTime(now: number, ageSeconds: number | null, previous: string | undefined) {
  if (ageSeconds === null) return undefined;
  const at = now - ageSeconds * 1000;
  if (previous !== undefined && Math.abs(Date.parse(previous) - at) < OLDEST_JITTER_MS) return previous;
  return wholeSeconds(at);
}

function databaseEntry(input: ReportInput, snapshot: DatabaseSnapshot): DatabaseReport {
  const previous = input.previous?.find((p) => p.name === snapshot.name);
  const database: ReachabilityReport<DatabaseState> = snapshot.counts
    ? { state: 'Available', message: 'reachable' }
    : { state: 'Unavailable', message: bounded(snapshot.unavailable ?? 'the outbox could not be read') };
  const entry: DatabaseReport = {
    name: snapshot.name,
    pending: snapshot.counts?.pending ?? previous?.pending ?? 0,
    errored: snapshot.counts?.errored ?? previous?.errored ?? 0,
    heldTopics: [...snapshot.held]
      .map((h) => ({ topic: h.topic, reason: heldReason(h.reason), since: wholeSeconds(h.since) }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))
      .slice(0, MAX_HELD_TOPICS),
    kafka: { state: input.kafka.state, message: bounded(input.kafka.message) },
    database,
    reportedBy: input.podName,
  };
  const oldest = snapshot.counts
    ? oldestPendingTime(input.now, snapshot.counts.oldestPendingAgeSeconds, previous?.oldestPendingTime)
    : previous?.oldestPendingTime;
  if (oldest !== undefined) entry.oldestPendingTime = oldest;
  if (snapshot.lastPublishedAt !== undefined)
    entry.lastPublishedTime = wholeSeconds(snapshot.lastPublishedAt);
  if (snapshot.shares !== undefined) {
    const shares = [...snapshot.shares];
    entry.publishers = [{ pod: input.podName, shareCount: shares.length, shares: compact(shares) }];
  }
  return entry;
}

/** One entry per database led, sorted by name. */
export function buildReport(input: ReportInput): DatabaseReport[] {
  return input.databases
    .map((snapshot) => databaseEntry(input, snapshot))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The entries of a final report before an exit on a refused credential (main.ts, exit 2). */
export function refusedReport(
  entries: readonly DatabaseReport[],
  refused: { kafka?: string; database?: string },
): DatabaseReport[] {
  return entries.map((e) => ({
    ...e,
    ...(refused.kafka !== undefined
      ? { kafka: { state: 'Unauthorized' as const, message: bounded(refused.kafka) } }
      : {}),
    ...(refused.database !== undefined
      ? { database: { state: 'Unavailable' as const, message: bounded(refused.database) } }
      : {}),
  }));
}
