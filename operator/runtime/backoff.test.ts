import { backoffDelay, isProgrammingError, isRetriable } from './backoff.js';

describe('backoffDelay', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [10, 5000],
  ])('waits %i -> %i ms without jitter, capped', (attempt, ms) => {
    expect(backoffDelay(attempt, { baseMs: 100, maxMs: 5000 })).toBe(ms);
  });

  it('keeps a jittered delay between half and the whole delay', () => {
    expect(
      backoffDelay(3, { baseMs: 100, maxMs: 5000, jitter: 1, random: () => 0.999 }),
    ).toBeGreaterThanOrEqual(200);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 5000, jitter: 1, random: () => 0 })).toBe(400);
  });
});

describe('isRetriable', () => {
  class Typed extends Error {
    constructor(readonly retriable: boolean) {
      super('typed');
    }
  }

  it.each([
    ['a typed error that says it is retriable', new Typed(true), true],
    ['a typed error that says it is not', new Typed(false), false],
    [
      'a socket error with no type of ours',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      true,
    ],
    ['a plain Error', new Error('something'), true],
    ['a thrown string', 'boom', true],
    ['a TypeError (a bug)', new TypeError('x is undefined'), false],
    ['a RangeError (a bug)', new RangeError('invalid array length'), false],
    ['a ReferenceError (a bug)', new ReferenceError('y is not defined'), false],
  ])('%s', (_what, err, expected) => {
    expect(isRetriable(err)).toBe(expected);
  });

  it('never retries a programming error, whatever it claims', () => {
    expect(isProgrammingError(Object.assign(new TypeError('x'), { retriable: true }))).toBe(true);
    expect(isRetriable(Object.assign(new TypeError('x'), { retriable: true }))).toBe(false);
  });
});
