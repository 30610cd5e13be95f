// The soak's table, in Markdown so that a run's output can be pasted into RESULTS.md as it is.
import type { CheckResult } from './check.js';
import type { FaultKind } from './options.js';
import type { TakeoverStats } from './relay-logs.js';
import type { WriterRecord } from './writer.js';

export interface SoakReport {
  driver: string;
  seed: number;
  faultWindowMs: number;
  totalMs: number;
  drainMs: number;
  writer: WriterRecord;
  faults: Partial<Record<FaultKind, number>>;
  /** The relays it started with, the fewest and most that ran at once, and the lease (shared mode). */
  relays: { start: number; range: [number, number]; leaseMs: number | undefined };
  takeovers: TakeoverStats;
  result: CheckResult;
  logDir: string;
}

export function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function passed(report: SoakReport): boolean {
  return report.result.failures.length === 0;
}

export function formatReport(report: SoakReport): string {
  const { result: r, writer: w, takeovers: k } = report;
  const t = w.transactions;
  const faults = Object.entries(report.faults)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const rows: [string, string][] = [
    ['database', report.driver],
    [
      'rows committed',
      `${r.committed} (${t.committed + t.unknownCommitted} transactions; ${r.poison} poison rows)`,
    ],
    [
      'rows not committed',
      `${w.notCommitted.length} (${t.rolledBack} transactions rolled back, ${t.failedBeforeCommit} failed before COMMIT)`,
    ],
    [
      'COMMIT outcome unknown',
      `${t.unknownCommitted} found committed, ${t.unknownAbsent} not, ${t.unsettled} unsettled`,
    ],
    ['delivered', `${r.delivered} rows (${r.messages} messages)`],
    ['lost', String(r.lost.length)],
    ['out of order', String(r.outOfOrder.length)],
    ['duplicates', String(r.duplicates)],
    ['uncommitted rows delivered', String(r.rolledBackDelivered.length)],
    [
      'errored',
      `${r.erroredPoison + r.unexpectedErrored.length} (${r.erroredPoison} of ${r.poison} poison, ${r.unexpectedErrored.length} unexpected)`,
    ],
    ['faults', faults || 'none'],
    [
      'relays',
      report.relays.leaseMs === undefined
        ? `${report.relays.start}`
        : `${report.relays.start} at the start, ${report.relays.range[0]} to ${report.relays.range[1]} (shared mode, SHARE_LEASE_MS ${report.relays.leaseMs})`,
    ],
    [
      'read-backs',
      `${k.readBacks} (${k.readBacksMarking} marked ${k.marked} rows Kafka had, ${k.readBacks - k.readBacksMarking} nothing to mark, ${k.readBacksFailed} failed)`,
    ],
    [
      'share moves',
      `${k.sharesTaken} takes, ${k.sharesGivenUp} give-ups to rebalance, ${k.leasesLost} leases lost`,
    ],
    ['writer connection losses', String(w.connectionLosses)],
    [
      'duration',
      `${seconds(report.faultWindowMs)} under faults, drain ${seconds(report.drainMs)}, total ${seconds(report.totalMs)}`,
    ],
    ['seed', String(report.seed)],
    ['result', passed(report) ? 'PASS' : 'FAIL'],
  ];
  const lines = ['| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
  if (!passed(report)) lines.push('', 'failures:', ...r.failures.map((f) => `- ${f}`));
  if (r.duplicates > 0)
    lines.push('', 'duplicates (first ones):', ...r.duplicateExamples.map((d) => `- ${d}`));
  return lines.join('\n');
}
