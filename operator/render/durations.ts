// Durations as the CRD accepts them ("500ms", "8s", "5m", "1h") converted to what the relay reads.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(value: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (!m) throw new RangeError(`not a duration: ${value}`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}
