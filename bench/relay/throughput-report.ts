// The throughput benchmark's summary and notes, from the figures of its phases: the ceiling runs, the
// drain, the broker limit, the database alone, the relay's footprint and the database's cost.
import os from 'node:os';
import { cpuPerMessageRows, limitRows, type LimitRun } from '../lib/broker-limit.js';
import { databaseAloneRows, type DatabaseOnlyRun } from '../lib/database-only.js';
import { costRows, type DbCost } from '../lib/db-cost.js';
import type { CeilingRun, CountPoint } from '../lib/kafka.js';
import type { Driver } from '../lib/outbox.js';
import type { Footprint, ProcSample } from '../lib/proc-sampler.js';
import { checked, type SummaryRow } from '../lib/results.js';
import { relayPackages, rssFloorMB } from '../lib/rss-floor.js';
import { round } from '../lib/stats.js';

const DRAIN_TARGET = 0.6;

export interface ThroughputFigures {
  driver: Driver;
  compression: 'gzip' | 'lz4' | 'none';
  /** A user's cluster: no database statistics. */
  onCluster: boolean;
  ceilings: CeilingRun[];
  drainRate: number;
  drainSeconds: number;
  /** From the relay's start to the drain's end. */
  startToEndSeconds: number;
  footprint: Footprint;
  peakMB: number | null;
  limits: LimitRun[];
  dbOnly: DatabaseOnlyRun | undefined;
  cost: DbCost;
  /** The machine's load average at the start of each phase. */
  loadAverage: Record<string, number[]>;
}

/** The mean of the ceiling runs, before and after the drain. */
export const ceilingMean = (ceilings: CeilingRun[]): number =>
  ceilings.reduce((sum, c) => sum + c.messagesPerSecond, 0) / ceilings.length;

export function throughputSummary(f: ThroughputFigures): SummaryRow[] {
  const { driver, drainRate, drainSeconds, footprint, limits, compression } = f;
  const ceilingRate = ceilingMean(f.ceilings);
  const ratio = drainRate / ceilingRate;
  return [
    {
      measure: 'ceiling (mean of the runs before and after the drain)',
      value: round(ceilingRate, 0),
      unit: 'messages/s',
    },
    ...f.ceilings.map((c, i) => ({
      measure: `ceiling run ${i + 1}`,
      value: round(c.messagesPerSecond, 0),
      unit: 'messages/s',
    })),
    { measure: 'drain', value: round(drainRate, 0), unit: 'messages/s' },
    driver === 'postgres'
      ? checked('drain / ceiling', round(ratio, 3), 'ratio', '>=', DRAIN_TARGET)
      : { measure: 'drain / ceiling', value: round(ratio, 3), unit: 'ratio' },
    ...(limits.length > 0 ? limitRows(limits, drainRate, ceilingRate, compression) : []),
    ...(f.dbOnly ? databaseAloneRows(f.dbOnly, ceilingRate, drainRate) : []),
    { measure: 'drain time (first to last message)', value: round(drainSeconds, 2), unit: 's' },
    { measure: 'relay start to last message', value: round(f.startToEndSeconds, 2), unit: 's' },
    checked('relay RSS, max during the drain', round(footprint.rssMaxMB, 1), 'MB', '<=', 150),
    { measure: 'relay RSS, kernel peak (VmHWM)', value: round(f.peakMB ?? NaN, 1), unit: 'MB' },
    {
      measure: `floor: node with ${relayPackages(driver).join(', ')} imported, nothing else`,
      value: round(rssFloorMB(relayPackages(driver)), 1),
      unit: 'MB',
    },
    {
      measure: 'relay CPU, mean during the drain',
      value: round(footprint.cpuMeanPct, 1),
      unit: '% of a core',
    },
    ...cpuPerMessageRows(
      footprint.cpuSeconds,
      drainRate * drainSeconds,
      limits,
      compression,
      (footprint.machineBusyMeanPct / 100) * os.cpus().length * drainSeconds,
    ),
    {
      measure: 'machine busy, mean during the drain',
      value: round(footprint.machineBusyMeanPct, 1),
      unit: '% of all cores',
    },
    {
      measure: 'machine load average (1 min) at the start / the drain / the end',
      value: ['start', 'drain', 'end'].map((phase) => f.loadAverage[phase]?.[0]).join(' / '),
      unit: `on ${os.cpus().length} cores`,
    },
    ...(f.onCluster ? [] : costRows(f.cost, 'drain')),
  ];
}

/**
 * The plots' series: each ceiling run's acknowledged messages, the drain's offsets (markers included: the
 * curve, drain-end.ts) and the relay's RSS, CPU and the machine's busy share, from the drain's first
 * message (`origin`, seconds on performance.now()'s clock; the relay's from its start at `spawned`).
 */
export function throughputSeries(
  ceilings: CeilingRun[],
  drain: CountPoint[],
  origin: number,
  relay: ProcSample[],
  spawned: number,
): Record<string, unknown> {
  return {
    ceiling: ceilings.map((c) => c.points.map(([t, n]) => [round(t, 3), n])),
    drain: drain.filter(([t]) => t >= origin - 0.05).map(([t, n]) => [round(t - origin, 3), n]),
    relay: relay
      .filter((s) => s.t >= spawned)
      .map((s) => [
        round(s.t - origin, 3),
        round(s.rssMB, 1),
        round(s.cpuPct, 1),
        round(s.machineBusyPct, 1),
      ]),
  };
}

export function throughputNotes(loadSeconds: number, cost: DbCost): string[] {
  return [
    "Rates: the drain counts messages from the first sample of the topic's high watermarks (polled every 50 ms) " +
      'to the first that saw the final offsets once the relay had marked every row (its /metrics): the offsets ' +
      "include the transactions' commit markers, so reaching the row count does not end the drain " +
      '(bench/lib/drain-end.ts); the ceiling times its sends from the first request to the last acknowledgement.',
    "Database alone: the relay's store module (relay/db) claims and marks published a second backlog " +
      "in the same database, batch after batch, with nothing sent. The relay's loop reads the next batch " +
      'while one is sent and marks it while the next is sent, so the slower of the two parts sets its pace ' +
      '(the overlapped model); the one-after-the-other model is what a loop without that overlap would reach.',
    `Backlog loaded in ${round(loadSeconds, 1)} s, then VACUUM ANALYZE / ANALYZE TABLE, before the relay started.`,
    `Database cost: ${cost.method}.`,
    "Broker limit: Kafka's own producer (org.apache.kafka.tools.ProducerPerformance, kafka-tools at the " +
      "broker's version) sends --limit-records records (at least 400,000: its JVM compiles while it sends), unthrottled, with acks=all, idempotence, " +
      'linger.ms=5, batch.size=65536 and up to 5 requests in flight, values picked at random from the ' +
      "drain's payloads; its records have no key (so its partitioner fills one partition's batch at a time, " +
      "where the drain's keys spread each batch over every partition) and no outbox-id header.",
    'RSS and CPU: /proc/<pid>/status VmRSS and /proc/<pid>/stat utime+stime of the relay process, every 250 ms.',
  ];
}
