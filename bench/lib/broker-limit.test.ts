import {
  cpuPerMessageRows,
  limitCompressions,
  limitMeans,
  limitRows,
  type LimitRun,
} from './broker-limit.js';

const run = (compression: LimitRun['compression'], n: number, recordsPerSecond: number): LimitRun => ({
  compression,
  run: n,
  recordsPerSecond,
  p99Ms: 10,
  line: '',
});

describe('limitCompressions', () => {
  it("runs the drain's compression first, then gzip, lz4 and none, each once", () => {
    expect(limitCompressions('gzip')).toEqual(['gzip', 'lz4', 'none']);
    expect(limitCompressions('none')).toEqual(['none', 'gzip', 'lz4']);
  });
});

describe('limitRows', () => {
  const runs = [
    run('gzip', 1, 90_000),
    run('lz4', 1, 250_000),
    run('gzip', 2, 110_000),
    run('lz4', 2, 350_000),
  ];

  it('averages each compression over its runs', () => {
    expect(limitMeans(runs)).toEqual(
      new Map([
        ['gzip', 100_000],
        ['lz4', 300_000],
      ]),
    );
  });

  it("checks the drain against half the limit at the drain's own compression", () => {
    const rows = limitRows(runs, 40_000, 60_000, 'gzip');
    const own = rows.find((r) => r.measure.startsWith('drain / broker limit (gzip'));
    expect(own).toMatchObject({ value: 0.4, target: '>= 0.5', met: false });
    expect(rows.find((r) => r.measure === 'drain / broker limit (lz4)')).toMatchObject({ value: 0.133 });
    expect(rows.find((r) => r.measure === 'ceiling / broker limit (gzip)')).toMatchObject({ value: 0.6 });
    expect(rows.find((r) => r.measure.startsWith("broker limit: Kafka's producer, gzip"))).toMatchObject({
      value: 100_000,
      measure: expect.stringContaining('mean of 2 runs'),
    });
  });

  it("fails when the drain's compression was not measured", () => {
    expect(() => limitRows(runs, 1, 1, 'none')).toThrow(/none, the drain's compression/);
  });
});

describe('cpuPerMessageRows', () => {
  it("gives the relay's CPU per message and the cores it would need at half the limit", () => {
    // 2 CPU seconds for 100,000 messages: 20 µs each; half of a 200,000/s limit is 100,000/s: 2 cores.
    const rows = cpuPerMessageRows(2, 100_000, [run('gzip', 1, 200_000)], 'gzip');
    expect(rows[0]).toMatchObject({ value: 20, unit: 'µs' });
    expect(rows[1]).toMatchObject({ value: 2, unit: 'cores' });
  });

  it("also gives the whole machine's CPU per message and cores when it is given", () => {
    const rows = cpuPerMessageRows(2, 100_000, [run('gzip', 1, 200_000)], 'gzip', 5);
    expect(rows.map((r) => [r.measure.split(' ')[0], r.value])).toEqual([
      ['relay', 20],
      ['relay', 2],
      ['machine', 50],
      ['machine', 5],
    ]);
  });

  it('gives the CPU per message alone without a limit run', () => {
    expect(cpuPerMessageRows(1, 100_000, [], 'gzip')).toHaveLength(1);
  });
});
