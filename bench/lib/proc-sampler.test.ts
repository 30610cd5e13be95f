import { ProcSampler, type ProcSample } from './proc-sampler.js';

const sample = (t: number, rssMB: number, cpuPct: number): ProcSample => ({
  t,
  dt: 0.25,
  rssMB,
  cpuPct,
  machineBusyPct: 50,
});

function sampler(samples: ProcSample[]): ProcSampler {
  const s = new ProcSampler(1);
  s.samples.push(...samples);
  return s;
}

describe('ProcSampler.footprint', () => {
  it('takes the samples whose intervals overlap the window', () => {
    const s = sampler([sample(0.25, 100, 10), sample(0.5, 120, 50), sample(0.75, 110, 30), sample(1, 90, 0)]);
    const f = s.footprint(0.3, 0.6);
    expect(f.rssMaxMB).toBe(120);
    expect(f.seconds).toBeCloseTo(0.5);
    expect(f.cpuMeanPct).toBeCloseTo(40);
  });

  it('covers a window shorter than the sampling interval with the sample that spans it', () => {
    const s = sampler([sample(0.25, 100, 10), sample(0.5, 120, 50), sample(0.75, 110, 30)]);
    const f = s.footprint(0.31, 0.42);
    expect(f.rssMaxMB).toBe(120);
    expect(f.cpuMeanPct).toBeCloseTo(50);
  });

  it('samples at once when the window ended after the last tick (a delayed timer)', () => {
    const s = new ProcSampler(process.pid);
    s.sample();
    const end = s.now();
    const f = s.footprint(end - 0.001, end);
    expect(s.samples).toHaveLength(1);
    expect(f.rssMaxMB).toBeGreaterThan(0);
  });

  it('says so when no sample reaches the window', () => {
    expect(() => sampler([sample(0.25, 100, 10)]).footprint(2, 3)).toThrow(/no samples of process 1/);
  });
});
