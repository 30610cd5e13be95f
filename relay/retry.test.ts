import { DatabaseError } from './errors.js';
import { backoffDelay, retryTransient, RetryAborted } from './retry.js';

const options = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };

describe('backoffDelay', () => {
  it('grows exponentially and stops at the cap', () => {
    const noJitter = { ...options, jitter: 0 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, noJitter))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('keeps the jittered delay between half and all of the base', () => {
    expect(backoffDelay(2, options, () => 0)).toBe(200);
    expect(backoffDelay(2, options, () => 1)).toBe(400);
  });
});

describe('retryTransient', () => {
  const sleeps: number[] = [];
  const deps = {
    sleep: async (ms: number) => (sleeps.push(ms), true),
    active: () => true,
    options: { ...options, jitter: 0 },
  };
  beforeEach(() => sleeps.splice(0));

  it('retries a retriable error until it succeeds, backing off each time', async () => {
    let calls = 0;
    const result = await retryTransient(async () => {
      calls++;
      if (calls < 4) throw new DatabaseError('connection lost', '08006', { retriable: true });
      return 'done';
    }, deps);
    expect(result).toBe('done');
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('never retries a programming error', async () => {
    let calls = 0;
    await expect(
      retryTransient(async () => {
        calls++;
        throw new TypeError('x is undefined');
      }, deps),
    ).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
  });

  it('never retries a permanent relay error', async () => {
    await expect(
      retryTransient(async () => {
        throw new DatabaseError('syntax error', '42601');
      }, deps),
    ).rejects.toThrow('syntax error');
    expect(sleeps).toEqual([]);
  });

  it('gives up with RetryAborted once the caller stops', async () => {
    let active = true;
    const error = new DatabaseError('down', '08006', { retriable: true });
    const promise = retryTransient(
      async () => {
        active = false;
        throw error;
      },
      { ...deps, active: () => active },
    );
    await expect(promise).rejects.toBeInstanceOf(RetryAborted);
  });
});
