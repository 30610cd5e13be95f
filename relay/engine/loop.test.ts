// The loop's overlap of database work and sending: what is read ahead, what it leaves out, when a
// read-ahead is thrown away, and that batches still go out one at a time.
import { DatabaseError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { Claim, OutboxRow } from '../db/store.js';
import { MARKING_DEPTH, RelayLoop, type LoopDeps } from './loop.js';
import type { BatchOutcome } from './publish-batch.js';

const logger = createLogger({ level: 'silent' });
const row = (id: number) => ({ id: String(id) }) as OutboxRow;
const ids = (claim: Claim) => claim.rows.map((r) => r.id);

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A queue of rows 1..total read in batches; every call is logged in `events`. */
function harness(total: number, batchSize: number, overrides: Partial<LoopDeps> = {}) {
  const events: string[] = [];
  const marked = new Set<string>();
  const sends: Deferred<void>[] = [];
  const marks: Deferred<void>[] = [];
  let batch = 0;
  const deps: LoopDeps = {
    claim: async (_first, exclude) => {
      const rows = Array.from({ length: total }, (_, i) => String(i + 1))
        .filter((id) => !marked.has(id) && !exclude.includes(id))
        .slice(0, batchSize);
      events.push(`claim [${rows.join(',')}] excluding [${exclude.join(',')}]`);
      return { batchId: `b${++batch}`, rows: rows.map(Number).map(row) };
    },
    publish: async (claim) => {
      events.push(`send [${ids(claim).join(',')}]`);
      const sent = deferred<void>();
      sends.push(sent);
      await sent.promise;
      events.push(`sent [${ids(claim).join(',')}]`);
      return { published: ids(claim), failures: [], released: [] };
    },
    resolve: async (claim, outcome) => {
      events.push(`mark [${outcome.published.join(',')}]`);
      const done = deferred<void>();
      marks.push(done);
      await done.promise;
      for (const id of outcome.published) marked.add(id);
      events.push(`marked [${outcome.published.join(',')}]`);
    },
    batchSize,
    pollMs: 3_600_000,
    logger,
    ...overrides,
  };
  return { deps, events, sends, marks, marked };
}

describe('RelayLoop overlap', () => {
  it('reads the next batch while one is sent, and marks it while the next is sent, one send at a time', async () => {
    const { deps, events, sends, marks, marked } = harness(6, 2);
    const loop = new RelayLoop(deps);
    const running = loop.start();
    await until(() => sends.length === 1, 'the first send');
    await until(() => events.length === 3, 'the read-ahead');
    expect(events).toEqual(['claim [1,2] excluding []', 'claim [3,4] excluding [1,2]', 'send [1,2]']);
    sends[0]!.resolve();
    await until(() => sends.length === 2, 'the second send');
    // Batch 2 is sent while batch 1 is being marked, and batch 3 is read leaving both out.
    await until(() => events.includes('claim [5,6] excluding [1,2,3,4]'), 'the second read-ahead');
    expect(events.slice(3)).toEqual([
      'sent [1,2]',
      'mark [1,2]',
      'claim [5,6] excluding [1,2,3,4]',
      'send [3,4]',
    ]);
    // The third batch is sent once the second was acknowledged, while the first is still being marked:
    // two markings run beside the sending (MARKING_DEPTH), not three.
    await new Promise((r) => setTimeout(r, 20));
    expect(sends).toHaveLength(2);
    sends[1]!.resolve();
    await until(() => sends.length === 3, 'the third send');
    expect(events.slice(7)).toEqual([
      'sent [3,4]',
      'mark [3,4]',
      'claim [] excluding [1,2,3,4,5,6]',
      'send [5,6]',
    ]);
    sends[2]!.resolve();
    await new Promise((r) => setTimeout(r, 20));
    expect(marks).toHaveLength(MARKING_DEPTH);
    marks[0]!.resolve();
    await until(() => marks.length === 3, 'the third mark');
    marks[1]!.resolve();
    marks[2]!.resolve();
    await until(() => marked.size === 6, 'every row marked');
    await loop.stop();
    await running;
    expect([...marked].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    const order = events.filter((e) => /^(send|sent) /.test(e));
    expect(order).toEqual([
      'send [1,2]',
      'sent [1,2]',
      'send [3,4]',
      'sent [3,4]',
      'send [5,6]',
      'sent [5,6]',
    ]);
  });

  it('throws the read-ahead away when a batch did not go out whole, and reads again after its outcome is written', async () => {
    const outcomes: BatchOutcome[] = [
      { published: ['1'], failures: [{ id: '2', reason: 'too large' }], released: [] },
    ];
    const published: string[] = [];
    let reads = 0;
    const resolved: string[] = [];
    const loop: RelayLoop = new RelayLoop({
      claim: async (_first, exclude) => {
        reads++;
        if (reads === 4) void loop.stop();
        // Row 2 stays in the queue after its failure; rows 3 and 4 follow.
        const queue = reads === 1 ? ['1', '2'] : ['2', '3', '4'].filter((id) => !exclude.includes(id));
        return { batchId: `b${reads}`, rows: queue.slice(0, 2).map(Number).map(row) };
      },
      publish: async (claim) => {
        published.push(...ids(claim));
        return outcomes.shift() ?? { published: ids(claim), failures: [], released: [] };
      },
      resolve: async (claim) => void resolved.push(`${claim.batchId} after ${reads} reads`),
      batchSize: 2,
      pollMs: 10,
      sleep: () => new Promise((r) => setTimeout(r, 1)),
      logger,
    });
    await loop.start();
    // Read 2 was the read-ahead of batch 1 ([2,3] leaving out [1,2]: [3,4]); it was thrown away, and row 2
    // was read again (read 3) and sent before row 3.
    expect(published.slice(0, 4)).toEqual(['1', '2', '2', '3']);
    expect(resolved[0]).toBe('b1 after 2 reads');
  });

  it('keeps retrying a marking that fails while the next batch is sent and marked, and stop() waits for it', async () => {
    let failing = 2;
    const marked: string[] = [];
    let reads = 0;
    const loop: RelayLoop = new RelayLoop({
      claim: async (_first, exclude) => {
        reads++;
        const rows = ['1', '2', '3', '4'].filter((id) => !marked.includes(id) && !exclude.includes(id));
        return { batchId: `b${reads}`, rows: rows.slice(0, 2).map(Number).map(row) };
      },
      publish: async (claim) => ({ published: ids(claim), failures: [], released: [] }),
      resolve: async (claim) => {
        if (claim.batchId === 'b1' && failing-- > 0) {
          throw new DatabaseError('connection lost', '57P01', { retriable: true });
        }
        marked.push(...ids(claim));
      },
      batchSize: 2,
      pollMs: 3_600_000,
      backoff: { initialMs: 5, maxMs: 5, factor: 1, jitter: 0 },
      logger,
    });
    const running = loop.start();
    await until(() => marked.length === 4, 'every row marked');
    await loop.stop();
    await running;
    // The second batch's marking did not wait for the first's retries.
    expect(marked).toEqual(['3', '4', '1', '2']);
    expect(failing).toBe(-1);
  });

  it('leaves coalesceMs between claims started by wake-ups, and counts the poll interval from the last claim', async () => {
    let clock = 0;
    const events: string[] = [];
    let claims = 0;
    const loop: RelayLoop = new RelayLoop({
      claim: async () => {
        claims++;
        events.push(`claim ${claims} at ${clock}`);
        if (claims === 3) void loop.stop();
        return { batchId: `b${claims}`, rows: claims === 1 ? [row(1)] : [] };
      },
      publish: async (claim) => {
        clock += 2; // the send takes 2 ms
        loop.wake(); // a row committed meanwhile
        return { published: ids(claim), failures: [], released: [] };
      },
      resolve: async () => undefined,
      batchSize: 10,
      pollMs: 500,
      coalesceMs: 5,
      now: () => clock,
      sleep: async (ms) => {
        events.push(`sleep ${ms}`);
        clock += ms;
      },
      logger,
    });
    await loop.start();
    // The wake-up cut the poll short, then the claim waited out the rest of the 5 ms since the first one;
    // the empty claim's poll wait counts from its own start.
    expect(events).toEqual(['claim 1 at 0', 'sleep 3', 'claim 2 at 5', 'sleep 500', 'claim 3 at 505']);
  });
});
