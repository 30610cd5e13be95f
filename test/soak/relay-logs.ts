// What the relays of a soak logged about their takeovers, read from their log files (one JSON object a
// line, pino's): how many read-backs ran, how many rows they marked as already in Kafka (so not sent
// again), how many failed (their rows were sent again: duplicates are then possible), and the share
// movements of shared mode (taken, given up to rebalance, lost).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface TakeoverStats {
  /** Read-backs that finished: those that marked rows and those that found nothing to mark. */
  readBacks: number;
  readBacksMarking: number;
  marked: number;
  readBacksFailed: number;
  sharesTaken: number;
  sharesGivenUp: number;
  leasesLost: number;
}

const MESSAGES = {
  marked: 'marked the rows Kafka already had, without sending them again',
  nothing: 'read back: nothing to mark',
  failed: 'read-back failed; rows Kafka may have are sent again',
  taken: 'shares taken',
  givenUp: 'shares given up to rebalance',
  lost: 'share leases lost; stopping their publishing at once',
};

export function emptyStats(): TakeoverStats {
  return {
    readBacks: 0,
    readBacksMarking: 0,
    marked: 0,
    readBacksFailed: 0,
    sharesTaken: 0,
    sharesGivenUp: 0,
    leasesLost: 0,
  };
}

/** Adds one log line to `stats` (lines that are not JSON, or of other messages, count for nothing). */
export function countLine(stats: TakeoverStats, line: string): void {
  if (!line.startsWith('{')) return;
  let entry: { msg?: unknown; marked?: unknown };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return;
  }
  switch (entry.msg) {
    case MESSAGES.marked:
      stats.readBacks++;
      stats.readBacksMarking++;
      stats.marked += Number(entry.marked ?? 0);
      break;
    case MESSAGES.nothing:
      stats.readBacks++;
      break;
    case MESSAGES.failed:
      stats.readBacksFailed++;
      break;
    case MESSAGES.taken:
      stats.sharesTaken++;
      break;
    case MESSAGES.givenUp:
      stats.sharesGivenUp++;
      break;
    case MESSAGES.lost:
      stats.leasesLost++;
      break;
  }
}

/** The stats over every relay log of the folder (relay-*.log and second-*.log). */
export function takeoverStats(logDir: string): TakeoverStats {
  const stats = emptyStats();
  for (const file of readdirSync(logDir)) {
    if (!/^(relay|second)-\d+\.log$/.test(file)) continue;
    for (const line of readFileSync(path.join(logDir, file), 'utf8').split('\n')) countLine(stats, line);
  }
  return stats;
}
