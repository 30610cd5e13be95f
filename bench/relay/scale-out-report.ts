// The scale-out benchmark's summary: for each count of relays, and with `--transactions=both` for each of
// KAFKA_TRANSACTIONS=true and =false, the drain's rate against the first count's, CPU, the split of the
// shares and rows, the batch time and the database's cost; then, where a count was drained both ways, the
// rate with transactions over the rate without (what shared mode's transactions cost, in the same run).
import os from 'node:os';
import { costRows, type dbCost } from '../lib/db-cost.js';
import type { SummaryRow } from '../lib/results.js';
import { round } from '../lib/stats.js';

export type TransactionsFlag = 'on' | 'off' | 'both';
export const TRANSACTIONS_FLAG = ['on', 'off', 'both'] as const;

export interface RelayRun {
  shares: number;
  published: number;
  rowsPerSecond: number;
  rowsPerSecondPerShare: number;
  batches: number;
  meanBatchMs: number;
  cpuMeanPct: number;
  cpuSeconds: number;
  rssMaxMB: number;
}

export interface CountRun {
  relays: number;
  /** KAFKA_TRANSACTIONS of the relays. */
  transactions: boolean;
  messagesPerSecond: number;
  drainSeconds: number;
  /** Offsets in the topic beyond the rows: the transactions' commit markers. */
  transactionMarkers: number;
  balanceSeconds: number;
  relayCpuPct: number;
  machineBusyPct: number;
  perRelay: RelayRun[];
  cost: ReturnType<typeof dbCost>;
}

/** The result's variant: the plain driver was the runs before transactions could be switched. */
export function scaleOutVariant(driver: string, transactions: TransactionsFlag): string {
  return transactions === 'both' ? `${driver}-transactions` : `${driver}-transactions-${transactions}`;
}

const relaysName = (n: number) => `${n} relay${n > 1 ? 's' : ''}`;
const onOff = (transactions: boolean) => `transactions ${transactions ? 'on' : 'off'}`;

function runRows(run: CountRun, base: CountRun, label: string): SummaryRow[] {
  const n = label;
  return [
    { measure: `${n}: drain`, value: run.messagesPerSecond, unit: 'messages/s' },
    {
      measure: `${n}: drain against ${relaysName(base.relays)}`,
      value: round(run.messagesPerSecond / base.messagesPerSecond, 2),
      unit: 'ratio',
    },
    { measure: `${n}: transaction markers in the topic`, value: run.transactionMarkers, unit: 'offsets' },
    { measure: `${n}: relays' CPU, together`, value: run.relayCpuPct, unit: '% of a core' },
    {
      measure: `${n}: relays' CPU each`,
      value: run.perRelay.map((r) => r.cpuMeanPct).join(' / '),
      unit: '% of a core',
    },
    { measure: `${n}: machine busy`, value: run.machineBusyPct, unit: `% of ${os.cpus().length} cores` },
    {
      measure: `${n}: shares held / rows marked, each relay`,
      value: run.perRelay.map((r) => `${r.shares}/${r.published}`).join(', '),
      unit: 'shares/rows',
    },
    {
      measure: `${n}: rows marked per second per share held, each relay`,
      value: run.perRelay.map((r) => r.rowsPerSecondPerShare).join(' / '),
      unit: 'rows/s/share',
    },
    {
      measure: `${n}: mean batch time (claim to mark), each relay`,
      value: run.perRelay.map((r) => r.meanBatchMs).join(' / '),
      unit: 'ms',
    },
    ...costRows(run.cost, `${n}, drain`).map((row) => ({
      ...row,
      target: undefined,
      met: undefined,
      limit: undefined,
    })),
  ];
}

/** Where a count was drained both ways: its rates and their ratio, first. */
function ratioRows(runs: CountRun[]): SummaryRow[] {
  const counts = [...new Set(runs.map((r) => r.relays))];
  return counts.flatMap((count): SummaryRow[] => {
    const on = runs.find((r) => r.relays === count && r.transactions);
    const off = runs.find((r) => r.relays === count && !r.transactions);
    if (!on || !off) return [];
    const n = relaysName(count);
    return [
      {
        measure: `${n}: drain, transactions on / off`,
        value: `${on.messagesPerSecond} / ${off.messagesPerSecond}`,
        unit: 'messages/s',
      },
      {
        measure: `${n}: drain with transactions / without`,
        value: round(on.messagesPerSecond / off.messagesPerSecond, 3),
        unit: 'ratio',
      },
    ];
  });
}

export function scaleOutSummary(runs: CountRun[]): SummaryRow[] {
  const both = new Set(runs.map((r) => r.transactions)).size > 1;
  const perRun = runs.flatMap((run) => {
    const base = runs.find((r) => r.transactions === run.transactions)!;
    const label = both ? `${relaysName(run.relays)}, ${onOff(run.transactions)}` : relaysName(run.relays);
    return runRows(run, base, label);
  });
  return [...ratioRows(runs), ...perRun];
}
