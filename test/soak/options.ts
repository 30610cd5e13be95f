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
  'relay-add',
  'relay-remove',
  'relay-sigkill-any',
  'relay-sigstop',
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
  'relay-add': 2,
  'relay-remove': 2,
  'relay-sigkill-any': 3,
  'relay-sigstop': 2,
};

/** The faults that stop and start a server (and so disturb anyone else using it). */
export const SERVER_FAULTS: readonly FaultKind[] = ['kafka-restart', 'database-restart'];

/** The faults of a fleet of several relays in shared mode: injected only with `relays` above 1. */
export const MULTI_RELAY_FAULTS: readonly FaultKind[] = [
  'relay-add',
  'relay-remove',
  'relay-sigkill-any',
  'relay-sigstop',
];

/** How many relays a multi-relay fleet keeps running: relay-remove stops at the least, relay-add at the most. */
export const FLEET_MIN = 3;
export const FLEET_MAX = 5;

/** The fault kinds a soak of `relays` relays may inject, of those enabled (in FAULT_KINDS order). */
export function faultKindsFor(relays: number, enabled: ReadonlySet<FaultKind>): FaultKind[] {
  return FAULT_KINDS.filter((k) => enabled.has(k) && (relays > 1 || !MULTI_RELAY_FAULTS.includes(k)));
}

export interface SoakOptions {
  driver: Driver;
  /** How long the writer writes and the injector injects; the drain and the check come after. */
  durationMs: number;
  faults: ReadonlySet<FaultKind>;
  /**
   * 1: one primary relay and now and then a second one (the relay's default mode). 3 to 5: a fleet in
   * shared mode kept between FLEET_MIN and FLEET_MAX relays, with the multi-relay faults and a short lease.
   */
  relays: number;
  /** SHARE_LEASE_MS of a multi-relay fleet: short, so that takeovers happen often. */
  shareLeaseMs: number;
  /** Fail on any message delivered twice (multi-relay runs: a read-back must mark what Kafka has). */
  failOnDuplicates: boolean;
  /** Inject past the duration until every enabled kind has happened once. */
  completeFirstRound: boolean;
  /** Pause between two faults, drawn uniformly from this range. */
  faultGapMs: [number, number];
  /** How long a stopped server stays down, drawn uniformly from this range. */
  serverDownMs: [number, number];
  /** How long a second relay runs beside the first. */
  secondRelayMs: [number, number];
  /** How long a SIGSTOPped relay stays stopped, in lease periods (relay-sigstop). */
  stopLeases: [number, number];
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
  relays: 1,
  shareLeaseMs: 3_000,
  failOnDuplicates: false,
  completeFirstRound: false,
  faultGapMs: [2_000, 12_000],
  serverDownMs: [1_000, 8_000],
  secondRelayMs: [5_000, 30_000],
  stopLeases: [0.5, 3],
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

/** Checks the options a caller may get wrong: the fleet's size. */
export function checkOptions(options: SoakOptions): SoakOptions {
  const { relays } = options;
  if (!Number.isInteger(relays) || (relays !== 1 && (relays < FLEET_MIN || relays > FLEET_MAX))) {
    throw new Error(`relays: 1, or ${FLEET_MIN} to ${FLEET_MAX} (shared mode), not ${relays}`);
  }
  return options;
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
