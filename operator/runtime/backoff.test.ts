import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [10, 5000],
  ])('waits %i -> %i ms without jitter, capped', (attempt, ms) => {
    expect(backoffDelay(attempt, { baseMs: 100, maxMs: 5000 })).toBe(ms);
  });

  it('keeps a jittered delay between half and the whole delay', () => {
    expect(
      backoffDelay(3, { baseMs: 100, maxMs: 5000, jitter: 1, random: () => 0.999 }),
    ).toBeGreaterThanOrEqual(200);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 5000, jitter: 1, random: () => 0 })).toBe(400);
  });
});
