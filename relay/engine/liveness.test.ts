import { checkLiveness, LIVENESS_MARGIN_MS, livenessBoundMs, livenessReport } from './liveness.js';

describe('liveness', () => {
  it('bounds a silence by the longest sleep, two sends and a margin', () => {
    expect(livenessBoundMs({ pollMs: 500, sendTimeoutMs: 30_000 })).toBe(5_000 + 60_000 + LIVENESS_MARGIN_MS);
    // A long poll interval is the longest sleep.
    expect(livenessBoundMs({ pollMs: 300_000, sendTimeoutMs: 30_000, backoffMaxMs: 10_000 })).toBe(
      300_000 + 60_000 + LIVENESS_MARGIN_MS,
    );
  });

  it('is live while every loop showed progress within the bound, and while a loop is not running', () => {
    const loops = [
      { database: 'a', at: 1000 },
      { database: 'b', at: undefined },
    ];
    expect(checkLiveness(loops, 1000 + 5000, 5000)).toEqual({ live: true, stuck: [] });
    expect(checkLiveness([], 0, 5000)).toEqual({ live: true, stuck: [] });
  });

  it('names each loop beyond the bound and how long it has been silent', () => {
    const loops = [
      { database: 'a', at: 0 },
      { database: 'b', at: 9000 },
    ];
    expect(checkLiveness(loops, 10_000, 5000)).toEqual({
      live: false,
      stuck: [{ database: 'a', sinceMs: 10_000 }],
    });
  });

  it('reports on database relays, as /livez shows it', () => {
    const relay = (database: string, at: number | undefined) => ({ database, lastProgressAt: () => at });
    expect(livenessReport([relay('shop', 100)], 130_000, 1000)).toEqual({ live: true, text: 'live\n' });
    expect(livenessReport([relay('shop', 0), relay('crm', 140_000)], 130_000, 141_000)).toEqual({
      live: false,
      text: 'stuck: the relay of database shop made no progress for 141 s (bound 130 s)\n',
    });
  });
});
