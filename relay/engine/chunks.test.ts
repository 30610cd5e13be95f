import { chunkMessages, type Sized } from './chunks.js';
import { BATCH_OVERHEAD_BYTES } from './prepare.js';

function item(rowId: string, partition: number, size: number, maxMessageBytes = 1000): Sized {
  return {
    message: { rowId, topic: 'orders', partition, key: null, value: Buffer.alloc(0), headers: {} },
    size,
    maxMessageBytes,
  };
}

const ids = (chunks: Sized[][]) => chunks.map((chunk) => chunk.map((i) => i.message.rowId));

describe('chunkMessages', () => {
  it('sends a batch under every limit as one request', () => {
    const items = [item('1', 0, 300), item('2', 1, 300), item('3', 0, 300)];
    expect(ids(chunkMessages(items))).toEqual([['1', '2', '3']]);
  });

  it('returns no request for no messages', () => {
    expect(chunkMessages([])).toEqual([]);
  });

  it('keeps one request when only the sum over all partitions passes one partition limit', () => {
    const items = [item('1', 0, 400), item('2', 1, 400), item('3', 2, 400)];
    expect(ids(chunkMessages(items))).toEqual([['1', '2', '3']]);
  });

  it("splits, in order, where one partition's share would pass its limit", () => {
    const items = [item('1', 0, 400), item('2', 1, 400), item('3', 0, 400), item('4', 0, 400)];
    expect(ids(chunkMessages(items))).toEqual([['1', '2', '3'], ['4']]);
  });

  it('counts the record batch overhead against the limit', () => {
    const exact = 1000 - BATCH_OVERHEAD_BYTES;
    expect(ids(chunkMessages([item('1', 0, exact)]))).toEqual([['1']]);
    expect(ids(chunkMessages([item('1', 0, exact - 10), item('2', 0, 11)]))).toEqual([['1'], ['2']]);
  });

  it('splits on the request size across partitions', () => {
    const items = [item('1', 0, 300, 10_000), item('2', 1, 300, 10_000), item('3', 2, 300, 10_000)];
    expect(ids(chunkMessages(items, 700))).toEqual([['1', '2'], ['3']]);
  });

  it('uses the smallest limit of the topics in the batch', () => {
    const items = [item('1', 0, 400, 10_000), item('2', 0, 400, 800)];
    expect(ids(chunkMessages(items))).toEqual([['1'], ['2']]);
  });
});
