// What a soak does and for how long: the database, the duration, the writer's pace, and which faults the
// injector may choose. Every fault kind can be switched off, so that the soak can run beside other work
// without restarting servers it shares (--no-server-faults).
import type { Driver } from '../support/relay-harness.js';

export const FAULT_KINDS = [
  'relay-sigkill',
  'relay-sigterm',
  'kafka-restart',
  'database-restart',
  'second-relay',
  'cleanup',
  'poison-headers',
  'poison-empty-topic',
  'poison-oversized',
  'poison-missing-topic',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** How often each kind is chosen, relatively: relay kills most, each poison kind least. */
export const FAULT_WEIGHTS: Readonly<Record<FaultKind, number>> = {
  'relay-sigkill': 3,
  'relay-sigterm': 2,
  'kafka-restart': 2,
  'database-restart': 2,
  'second-relay': 2,
  cleanup: 2,
  'poison-headers': 1,
  'poison-empty-topic': 1,
  'poison-oversized': 1,
  'poison-missing-topic': 1,
};

/** The faults that stop and start a server (and so disturb anyone else using it). */
export const SERVER_FAULTS: readonly FaultKind[] = ['kafka-restart', 'database-restart'];

export interface SoakOptions {
  driver: Driver;
  /** How long the writer writes and the injector injects; the drain and the check come after. */
  durationMs: number;
  faults: ReadonlySet<FaultKind>;
  /** Inject past the duration until every enabled kind has happened once. */
  completeFirstRound: boolean;
  /** Pause between two faults, drawn uniformly from this range. */
  faultGapMs: [number, number];
  /** How long a stopped server stays down, drawn uniformly from this range. */
  serverDownMs: [number, number];
  /** How long a second relay runs beside the first. */
  secondRelayMs: [number, number];
  /** Writer transactions per second (an upper bound: the writer waits out outages). */
  transactionsPerSecond: number;
  rowsPerTransaction: [number, number];
  rollbackRatio: number;
  /** Share of transactions that are a burst of 20 to 100 rows. */
  burstRatio: number;
  keys: number;
  topics: number;
  partitions: number;
  /** How long, after the writer stops, every committed row may take to be published or errored. */
  drainTimeoutMs: number;
  seed: number;
  /** Extra relay settings (BATCH_SIZE and the like). */
  relayEnv: Record<string, string>;
  /** Where relay logs go; a fresh folder under the system's temporary folder when unset. */
  logDir?: string;
  log: (line: string) => void;
}

const base: Omit<SoakOptions, 'driver' | 'durationMs' | 'seed' | 'log'> = {
  faults: new Set(FAULT_KINDS),
  completeFirstRound: false,
  faultGapMs: [2_000, 12_000],
  serverDownMs: [1_000, 8_000],
  secondRelayMs: [5_000, 30_000],
  transactionsPerSecond: 20,
  rowsPerTransaction: [1, 6],
  rollbackRatio: 0.15,
  burstRatio: 0.03,
  keys: 200,
  topics: 3,
  partitions: 4,
  drainTimeoutMs: 180_000,
  relayEnv: { BATCH_SIZE: '50', POLL_FREQUENCY_MS: '200', KAFKA_PUBLISH_ATTEMPTS: '3' },
};

/** The full variant: at least ten minutes. */
export function fullOptions(driver: Driver, overrides: Partial<SoakOptions> = {}): SoakOptions {
  return {
    ...base,
    driver,
    durationMs: 10 * 60_000,
    seed: Date.now() % 2 ** 31,
    log: (line) => console.log(line),
    ...overrides,
  };
}

/** The short variant of `npm test`: faults close together, so that every kind happens in well under a minute. */
export function shortOptions(driver: Driver, overrides: Partial<SoakOptions> = {}): SoakOptions {
  return {
    ...base,
    driver,
    durationMs: 15_000,
    completeFirstRound: true,
    faultGapMs: [300, 1_500],
    serverDownMs: [1_000, 3_000],
    secondRelayMs: [3_000, 8_000],
    keys: 40,
    drainTimeoutMs: 90_000,
    seed: Date.now() % 2 ** 31,
    log: () => undefined,
    ...overrides,
  };
}

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 90s, 10m)`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Parses a comma-separated list of fault kinds ("all" for every kind, "none" for none). */
export function parseFaultList(text: string): Set<FaultKind> {
  const result = new Set<FaultKind>();
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (item === 'all') FAULT_KINDS.forEach((k) => result.add(k));
    else if (item === 'none') continue;
    else if ((FAULT_KINDS as readonly string[]).includes(item)) result.add(item as FaultKind);
    else throw new Error(`unknown fault "${item}"; known: ${FAULT_KINDS.join(', ')}`);
  }
  return result;
}
