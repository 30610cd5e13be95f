// The loop's waits on a virtual clock: the wait after a permanent failure is not cut short by wake-ups,
// rows parked on a held topic make the loop wait for nothing, and progress is shown as each round and
// each sleep begins. Time moves only when the test moves it, and the loop runs until it waits again
// before the test looks.
import { createLogger } from '../logger.js';
import type { Claim, OutboxRow } from '../db/store.js';
import { RelayLoop } from './loop.js';
import type { BatchOutcome } from './publish-batch.js';

const logger = createLogger({ level: 'silent' });
const row = (id: number) => ({ id: String(id) }) as OutboxRow;
const ids = (claim: Claim) => claim.rows.map((r) => r.id);
/** Lets every pending promise callback run: the loop has no real I/O, so it then waits on the clock. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

function virtualClock() {
  let clock = 0;
  const timers: { at: number; fire: () => void }[] = [];
  return {
    now: () => clock,
    sleep: (ms: number) => new Promise<void>((fire) => void timers.push({ at: clock + ms, fire })),
    async advance(ms: number): Promise<void> {
      clock += ms;
      for (const timer of timers.filter((t) => t.at <= clock)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.fire();
      }
      await settled();
    },
  };
}

describe('the waits of the relay loop', () => {
  it("spaces a poison row's attempts a whole poll interval apart while a wake-up arrives every 2 ms", async () => {
    const time = virtualClock();
    const POLL_MS = 500;
    const queue = [1];
    let nextId = 2;
    let attempts = 0;
    const attemptsAt: number[] = [];
    const progressAt: number[] = [];
    const loop = new RelayLoop({
      claim: async () => ({ batchId: 'b', rows: queue.slice(0, 100).map(row) }),
      publish: async (claim) => {
        const poisoned = ids(claim).includes('1');
        if (poisoned) attemptsAt.push(time.now());
        return {
          published: ids(claim).filter((id) => id !== '1'),
          failures: poisoned ? [{ id: '1', reason: 'payload_headers is not a JSON object' }] : [],
          released: [],
        };
      },
      resolve: async (_claim, outcome) => {
        for (const id of outcome.published) queue.splice(queue.indexOf(Number(id)), 1);
        // The third attempt marks the row errored: it leaves the queue.
        if (outcome.failures.length > 0 && ++attempts === 3) queue.splice(queue.indexOf(1), 1);
      },
      batchSize: 100,
      pollMs: POLL_MS,
      coalesceMs: 5,
      now: time.now,
      sleep: time.sleep,
      onProgress: () => void progressAt.push(time.now()),
      logger,
    });
    const running = loop.start();
    await settled();
    // An application inserting a row every 2 ms, each insert notifying the relay.
    for (let t = 0; t < 2000; t += 2) {
      queue.push(nextId++);
      loop.wake();
      await time.advance(2);
    }
    const stopped = loop.stop();
    await time.advance(1000);
    await stopped;
    await running;
    // Before the fix the attempts landed at 0, 6 and 12 ms: every wake-up cut the wait short.
    expect(attemptsAt).toEqual([0, POLL_MS, 2 * POLL_MS]);
    expect(queue.filter((id) => id === 1)).toEqual([]);
    // The rows written meanwhile went out, within a poll interval of their insert.
    expect(queue.length).toBeLessThan(POLL_MS / 2 + 10);
    // Progress was shown at least once per poll interval throughout.
    const gaps = progressAt.slice(1).map((at, i) => at - progressAt[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(POLL_MS);
  });

  it('claims again at once after a full batch with parked rows, reading anew instead of using the read-ahead', async () => {
    const events: string[] = [];
    let reads = 0;
    const outcomes: BatchOutcome[] = [
      {
        published: ['1'],
        failures: [],
        released: [],
        parked: ['2'],
        held: [{ topic: 't', reason: 'missing' }],
      },
    ];
    let finishMarking!: () => void;
    const loop: RelayLoop = new RelayLoop({
      claim: async (_first, exclude) => {
        reads++;
        events.push(`claim ${reads} excluding [${exclude.join(',')}]`);
        if (reads === 3) void loop.stop();
        const rows = reads === 1 ? [1, 2] : reads === 2 ? [3, 4] : [3];
        return { batchId: `b${reads}`, rows: rows.map(row) };
      },
      publish: async (claim) => {
        events.push(`send [${ids(claim).join(',')}]`);
        return outcomes.shift() ?? { published: ids(claim), failures: [], released: [] };
      },
      resolve: (claim) =>
        claim.batchId === 'b1' ? new Promise<void>((r) => (finishMarking = r)) : Promise.resolve(),
      batchSize: 2,
      pollMs: 3_600_000,
      sleep: async (ms) => void events.push(`sleep ${ms}`),
      logger,
    });
    const running = loop.start();
    // Batch 1's marking runs until the third read was sent (the loop runs on microtasks alone).
    for (let i = 0; i < 100 && !events.includes('send [3]'); i++) await settled();
    finishMarking();
    await running;
    expect(events).toEqual([
      'claim 1 excluding []',
      // The read-ahead, read while batch 1 was sent: thrown away.
      'claim 2 excluding [1,2]',
      'send [1,2]',
      // Read anew at once, without a wait; the parked row 2 is not kept out by the marking of row 1.
      'claim 3 excluding [1]',
      'send [3]',
    ]);
  });
});
