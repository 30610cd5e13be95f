import { createLogger } from '../logger.js';
import { createFakeStore } from '../testing/fake-store.js';
import { CLOCK_MARGIN_MS, markWhatKafkaHas, READ_BACK_LIMIT_MS, type ReadBackRequest } from './take-over.js';

const log = createLogger({ level: 'silent' });
const NOW = 1_800_000_000_000;

function storeWithRows(ages: number[]) {
  const store = createFakeStore({ now: () => NOW });
  for (const age of ages) {
    store.insert({ topic: store.rows.length === 0 ? 'a' : 'b' });
    store.rows.at(-1)!.createdAt = new Date(NOW - age);
  }
  return store;
}

describe('markWhatKafkaHas', () => {
  it('reads back from the oldest pending row, less the clock margin, in whole milliseconds', async () => {
    const store = storeWithRows([1_000, 0]);
    store.pendingSince = async () => ({ topics: ['a', 'b'], oldestAgeMs: 1_000.6, pending: 2 });
    const asked: ReadBackRequest[] = [];
    const marked = await markWhatKafkaHas({
      store,
      log,
      now: () => NOW,
      readBack: async (request) => (asked.push(request), { ids: ['1'], messages: 5, ms: 1 }),
    });
    expect(marked).toBe(1);
    expect(asked).toEqual([
      {
        topics: ['a', 'b'],
        sinceMs: Math.floor(NOW - 1_000.6 - CLOCK_MARGIN_MS),
        sinceByTopic: {
          a: Math.floor(NOW - 1_000.6 - CLOCK_MARGIN_MS),
          b: Math.floor(NOW - 1_000.6 - CLOCK_MARGIN_MS),
        },
        source: 'fake-fake-kafka_outbox',
      },
    ]);
    expect(store.rows.map((r) => r.publishedAt !== null)).toEqual([true, false]);
  });

  it('starts each topic at its own oldest pending row: one old row does not widen the others', async () => {
    const store = storeWithRows([50 * 60_000, 2_000]);
    let request: ReadBackRequest | undefined;
    await markWhatKafkaHas({
      store,
      log,
      now: () => NOW,
      readBack: async (r) => ((request = r), { ids: [], messages: 0, ms: 0 }),
    });
    expect(request?.sinceByTopic).toEqual({
      a: NOW - 50 * 60_000 - CLOCK_MARGIN_MS,
      b: NOW - 2_000 - CLOCK_MARGIN_MS,
    });
  });

  it('looks back at most READ_BACK_LIMIT_MS, and marks only pending rows it found', async () => {
    const store = storeWithRows([10 * READ_BACK_LIMIT_MS, 5]);
    let since = 0;
    const marked = await markWhatKafkaHas({
      store,
      log,
      now: () => NOW,
      readBack: async (request) => ((since = request.sinceMs), { ids: ['2', '99'], messages: 2, ms: 1 }),
    });
    expect(since).toBe(NOW - READ_BACK_LIMIT_MS);
    expect(marked).toBe(1);
  });

  it('marks nothing, and reads nothing, when nothing is pending or the read-back fails', async () => {
    let calls = 0;
    const empty = createFakeStore({ now: () => NOW });
    const readBack = async () => (calls++, { ids: [], messages: 0, ms: 0 });
    expect(await markWhatKafkaHas({ store: empty, log, now: () => NOW, readBack })).toBe(0);
    expect(calls).toBe(0);
    const store = storeWithRows([100]);
    const failing = async () => Promise.reject(new Error('brokers unreachable'));
    expect(await markWhatKafkaHas({ store, log, now: () => NOW, readBack: failing })).toBe(0);
    expect(store.rows[0]!.publishedAt).toBeNull();
  });
});
