import { jest } from '@jest/globals';
import { lostSignal } from './lost-signal.js';

describe('lostSignal', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves once and calls onLost once, however many times it is marked', async () => {
    const onLost = jest.fn();
    const signal = lostSignal(onLost);
    signal.markLost();
    signal.markLost();
    await signal.lost;
    expect(signal.isLost()).toBe(true);
    expect(onLost).toHaveBeenCalledTimes(1);
  });

  it('is marked lost by a heartbeat that fails', async () => {
    const signal = lostSignal(() => undefined);
    let healthy = true;
    signal.startHeartbeat(
      () => (healthy ? Promise.resolve() : Promise.reject(new Error('gone'))),
      1000,
      5000,
    );
    await jest.advanceTimersByTimeAsync(3000);
    expect(signal.isLost()).toBe(false);
    healthy = false;
    await jest.advanceTimersByTimeAsync(1000);
    expect(signal.isLost()).toBe(true);
  });

  it('is marked lost by a heartbeat that hangs past its timeout', async () => {
    const signal = lostSignal(() => undefined);
    signal.startHeartbeat(() => new Promise(() => undefined), 1000, 5000);
    await jest.advanceTimersByTimeAsync(5500);
    expect(signal.isLost()).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(signal.isLost()).toBe(true);
  });

  it('stops probing once stopped', async () => {
    const signal = lostSignal(() => undefined);
    const probe = jest.fn(() => Promise.resolve());
    signal.startHeartbeat(probe, 1000, 5000);
    await jest.advanceTimersByTimeAsync(2500);
    signal.stopHeartbeat();
    await jest.advanceTimersByTimeAsync(5000);
    expect(probe).toHaveBeenCalledTimes(2);
  });
});
