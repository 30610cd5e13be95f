// The summary of status.databases the printer columns read (BACKLOG, OLDEST, LAST PUBLISHED) and the
// brokers as one string (a column over the spec's array prints it as JSON). Times stay the strings the
// relays wrote, so an unchanged report gives an unchanged summary and no status write.
import type { DatabaseReport, OutboxRelay, StatusSummary } from '../api/types.js';

function extreme(
  databases: readonly DatabaseReport[],
  pick: (d: DatabaseReport) => string | undefined,
  better: (a: number, b: number) => boolean,
): string | undefined {
  let best: { text: string; at: number } | undefined;
  for (const d of databases) {
    const text = pick(d);
    if (!text) continue;
    const at = Date.parse(text);
    if (Number.isNaN(at)) continue;
    if (!best || better(at, best.at)) best = { text, at };
  }
  return best?.text;
}

export function deriveSummary(relay: OutboxRelay): StatusSummary {
  const databases = relay.status?.databases ?? [];
  const summary: StatusSummary = { brokers: relay.spec.kafka.brokers.join(',') };
  if (databases.length === 0) return summary;
  summary.backlog = databases.reduce((sum, d) => sum + Math.max(0, d.pending), 0);
  const oldest = extreme(
    databases,
    (d) => (d.pending > 0 ? d.oldestPendingTime : undefined),
    (a, b) => a < b,
  );
  const latest = extreme(
    databases,
    (d) => d.lastPublishedTime,
    (a, b) => a > b,
  );
  if (oldest) summary.oldestPendingTime = oldest;
  if (latest) summary.lastPublishedTime = latest;
  return summary;
}

export const SUMMARY_FIELDS = ['backlog', 'oldestPendingTime', 'lastPublishedTime', 'brokers'] as const;
