// The broker's limit in the throughput benchmark: Kafka's own producer (producer-perf.ts) with the drain's
// compression first, then lz4 and no compression, run before and after the drain like the ceiling, so that
// drain / limit compares figures of one run. The drain's target is half the limit at its own compression.
import { checked, type SummaryRow } from './results.js';
import { round } from './stats.js';
import { runProducerPerf, type PerfCompression, type ProducerPerfOptions } from './producer-perf.js';

export const DRAIN_LIMIT_TARGET = 0.5;

export interface LimitRun {
  compression: PerfCompression;
  /** 1: before the drain, 2: after it. */
  run: number;
  recordsPerSecond: number;
  p99Ms: number;
  line: string;
}

/** The drain's compression first, then gzip, lz4 and none, each once. */
export function limitCompressions(drain: PerfCompression): PerfCompression[] {
  return [...new Set<PerfCompression>([drain, 'gzip', 'lz4', 'none'])];
}

export async function runBrokerLimit(
  o: Omit<ProducerPerfOptions, 'compression'>,
  compressions: readonly PerfCompression[],
  run: number,
): Promise<LimitRun[]> {
  const runs: LimitRun[] = [];
  for (const compression of compressions) {
    const r = await runProducerPerf({ ...o, compression });
    console.log(`  Kafka's producer, ${compression}: ${r.recordsPerSecond.toFixed(0)} records/s`);
    runs.push({ compression, run, recordsPerSecond: r.recordsPerSecond, p99Ms: r.p99Ms, line: r.line });
  }
  return runs;
}

/** The mean rate of each compression over its runs, in the order first run. */
export function limitMeans(runs: readonly LimitRun[]): Map<PerfCompression, number> {
  const sums = new Map<PerfCompression, number[]>();
  for (const r of runs) sums.set(r.compression, [...(sums.get(r.compression) ?? []), r.recordsPerSecond]);
  return new Map([...sums].map(([c, rates]) => [c, rates.reduce((a, b) => a + b, 0) / rates.length]));
}

/**
 * The summary rows: each compression's limit (mean of its runs), the drain against each, with the target
 * checked against the drain's own compression, and the ceiling against the same limit (how much of the
 * limit the relay's publisher alone reaches).
 */
export function limitRows(
  runs: readonly LimitRun[],
  drainRate: number,
  ceilingRate: number,
  drainCompression: PerfCompression,
): SummaryRow[] {
  const means = limitMeans(runs);
  const own = means.get(drainCompression);
  if (own === undefined)
    throw new Error(`no broker-limit run with ${drainCompression}, the drain's compression`);
  const rows: SummaryRow[] = [];
  for (const [compression, rate] of means) {
    rows.push({
      measure: `broker limit: Kafka's producer, ${compression} (mean of ${runs.filter((r) => r.compression === compression).length} runs)`,
      value: round(rate, 0),
      unit: 'messages/s',
    });
  }
  rows.push(
    checked(
      `drain / broker limit (${drainCompression}, the drain's compression)`,
      round(drainRate / own, 3),
      'ratio',
      '>=',
      DRAIN_LIMIT_TARGET,
    ),
  );
  for (const [compression, rate] of means) {
    if (compression === drainCompression) continue;
    rows.push({
      measure: `drain / broker limit (${compression})`,
      value: round(drainRate / rate, 3),
      unit: 'ratio',
    });
  }
  rows.push({
    measure: `ceiling / broker limit (${drainCompression})`,
    value: round(ceilingRate / own, 3),
    unit: 'ratio',
  });
  return rows;
}

/**
 * What the relay's own CPU allows: its CPU time per message during the drain (main thread, compression
 * threads and GC together), and how many cores the relay alone would need to drain at the target share of
 * the limit at that cost. Above the machine's cores, the target cannot be met by this process on this
 * machine, whatever the database and the broker do.
 */
export function cpuPerMessageRows(
  relayCpuSeconds: number,
  messages: number,
  runs: readonly LimitRun[],
  drainCompression: PerfCompression,
  machineCpuSeconds?: number,
): SummaryRow[] {
  const own = limitMeans(runs).get(drainCompression);
  const rows: SummaryRow[] = [];
  const add = (who: string, cpuSeconds: number) => {
    const perMessageUs = (cpuSeconds / messages) * 1e6;
    rows.push({
      measure: `${who} CPU per message during the drain`,
      value: round(perMessageUs, 2),
      unit: 'µs',
    });
    if (own === undefined) return;
    rows.push({
      measure: `${who} cores needed to drain at ${DRAIN_LIMIT_TARGET} of the broker limit (${drainCompression}) at that cost`,
      value: round((perMessageUs / 1e6) * own * DRAIN_LIMIT_TARGET, 2),
      unit: 'cores',
    });
  };
  add('relay', relayCpuSeconds);
  // The whole machine: the relay, the database, the broker and anything else running.
  if (machineCpuSeconds !== undefined) add('machine (every process)', machineCpuSeconds);
  return rows;
}
