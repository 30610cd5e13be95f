import { awaitDrain, drainEnd } from './drain-end.js';
import type { CountPoint, TopicCounter } from './kafka.js';

describe('drainEnd', () => {
  it('ends a drain without transactions at the first sample that saw every row', () => {
    const points: CountPoint[] = [
      [10, 0],
      [10.05, 200],
      [10.1, 600],
      [10.15, 1000],
      [12, 1000],
    ];
    expect(drainEnd(points, 1000, 1000)).toEqual({
      first: [10.05, 200],
      end: 10.15,
      markers: 0,
      seconds: expect.closeTo(0.1, 9),
      messagesPerSecond: expect.closeTo(8000, 6),
    });
  });

  it('does not end a drain in transactions when the offsets, markers included, reach the rows', () => {
    // 1,000 rows in 4 transactions of 250 rows over 6 partitions: 6 markers each, 1,024 offsets in all.
    const points: CountPoint[] = [
      [10, 0],
      [10.05, 256],
      [10.1, 768],
      [10.15, 1000],
      [10.2, 1024],
    ];
    const end = drainEnd(points, 1000, 1024);
    expect(end.end).toBe(10.2);
    expect(end.markers).toBe(24);
    // The first sample's 256 offsets are 250 messages and 6 markers.
    expect(end.messagesPerSecond).toBeCloseTo(750 / 0.15, 6);
  });

  it('says so when the counter never saw the final offsets', () => {
    expect(() => drainEnd([[1, 5]], 10, 10)).toThrow('never saw 10 offsets');
  });
});

describe('awaitDrain', () => {
  function fakeCounter(points: CountPoint[], final: number): TopicCounter {
    return {
      points,
      reached: async () => 0,
      next: async () => final,
      stop: async () => undefined,
    };
  }

  it('waits for every row to be delivered after the offsets reached the rows', async () => {
    const points: CountPoint[] = [
      [1, 0],
      [1.05, 512],
      [1.1, 1012],
    ];
    let polls = 0;
    const delivered = async () => {
      if (++polls === 3) points.push([1.15, 1024]);
      return polls >= 3;
    };
    const end = await awaitDrain(fakeCounter(points, 1024), 1000, delivered, 5000);
    expect(polls).toBe(3);
    expect(end.end).toBe(1.15);
    expect(end.markers).toBe(24);
  });

  it('fails when the rows are not all delivered in time', async () => {
    const counter = fakeCounter([[1, 1000]], 1000);
    await expect(awaitDrain(counter, 1000, async () => false, 50)).rejects.toThrow(
      '1000 rows not marked published in 50 ms',
    );
  });
});
