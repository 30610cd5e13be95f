// The loop asks for larger reads while they come back full (a backlog), and for the configured size again
// once one comes back short; every row still goes out once, in id order.
import { createLogger } from '../logger.js';
import type { OutboxRow } from '../db/store.js';
import { RelayLoop, type LoopDeps } from './loop.js';

const logger = createLogger({ level: 'silent' });

function drain(waves: number[], batchSize: number, maxBatchSize: number | undefined) {
  const total = waves.reduce((a, b) => a + b, 0);
  let available = waves.shift()!;
  const marked = new Set<number>();
  const asked: number[] = [];
  const sent: number[] = [];
  let batch = 0;
  const stop = (): void => void loop.stop();
  const deps: LoopDeps = {
    claim: async (_first, exclude, limit) => {
      asked.push(limit);
      const ids = Array.from({ length: available }, (_, i) => i + 1)
        .filter((id) => !marked.has(id) && !exclude.includes(String(id)))
        .slice(0, limit);
      return { batchId: `b${++batch}`, rows: ids.map((id) => ({ id: String(id) }) as OutboxRow) };
    },
    publish: async (claim) => {
      const ids = claim.rows.map((r) => r.id);
      sent.push(...ids.map(Number));
      return { published: ids, failures: [], released: [] };
    },
    resolve: async (_claim, outcome) => {
      for (const id of outcome.published) marked.add(Number(id));
      if (marked.size === total) stop();
      else if (marked.size === available && waves.length > 0) available += waves.shift()!;
    },
    batchSize,
    ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
    pollMs: 1,
    logger,
  };
  const loop = new RelayLoop(deps);
  return { run: loop.start(), asked, sent };
}

describe('RelayLoop batch growth', () => {
  it('doubles its reads while they come back full, up to the largest batch, and sends each row once in order', async () => {
    const { run, asked, sent } = drain([100], 5, 20);
    await run;
    expect(asked.slice(0, 5)).toEqual([5, 10, 20, 20, 20]);
    expect(sent).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('asks for the configured size again after a short read', async () => {
    // 40 rows: 5, 10 and 20 come back full, the next 20 brings the last 5; the 3 rows that come later
    // (and the empty reads before them) are asked for 5 at a time.
    const { run, asked, sent } = drain([40, 3], 5, 20);
    await run;
    expect(asked.slice(0, 4)).toEqual([5, 10, 20, 20]);
    expect(new Set(asked.slice(4))).toEqual(new Set([5]));
    expect(sent).toEqual(Array.from({ length: 43 }, (_, i) => i + 1));
  });

  it('keeps the configured size when no largest batch is given', async () => {
    const { run, asked } = drain([30], 5, undefined);
    await run;
    expect(new Set(asked)).toEqual(new Set([5]));
  });
});
