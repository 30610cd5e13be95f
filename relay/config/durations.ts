// Durations as the settings and the OutboxRelay fields write them: a whole number and one unit (500ms,
// 90s, 30m, 1h, 7d). At most 9 digits, so that the API server's CEL arithmetic on them cannot overflow.
import type { DurationUnit } from './setting-types.js';

export const UNIT_MS: Readonly<Record<DurationUnit, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Largest first, so that a value is written in the largest unit that divides it. */
const BY_SIZE: readonly DurationUnit[] = ['d', 'h', 'm', 's', 'ms'];

export function durationPattern(units: readonly DurationUnit[]): string {
  return `^([0-9]{1,9})(${units.join('|')})$`;
}

/** The milliseconds of a duration in one of `units`, or undefined when it is not one. */
export function parseDuration(text: string, units: readonly DurationUnit[] = BY_SIZE): number | undefined {
  const match = new RegExp(durationPattern(units)).exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
}

/** `ms` written in the largest of `units` that divides it: 3600000 is 1h, 1500 is 1500ms. */
export function formatDuration(ms: number, units: readonly DurationUnit[] = BY_SIZE): string {
  const unit = BY_SIZE.find((u) => units.includes(u) && ms % UNIT_MS[u] === 0 && ms >= UNIT_MS[u]) ?? 'ms';
  return `${ms / UNIT_MS[unit]}${unit}`;
}
