// The worker with a real work queue on a fake clock and a scripted reconcile: which failures come back
// after their backoff, and which are reported and wait for a change of the resource.
import pino from 'pino';
import { KubeApiError } from '../kube/client.js';
import { createMetrics } from '../metrics.js';
import { FakeClock } from '../runtime/fake-clock.js';
import { WorkQueue } from '../runtime/workqueue.js';
import { processKey, runWorker, type WorkerDeps } from './reconcile-worker.js';

const KEY = 'shop/orders';
const apiError = (code: number, reason: string) =>
  new KubeApiError('PATCH', '/apis/apps/v1/namespaces/shop/deployments/orders-relay', code, reason, 'no');

function setup(outcomes: unknown[]) {
  const clock = new FakeClock();
  const queue = new WorkQueue({
    clock,
    backoff: { baseMs: 100, maxMs: 1000 },
    ratePerSecond: 100,
    burst: 100,
  });
  const metrics = createMetrics(() => queue.len());
  const logs: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  let calls = 0;
  const deps: WorkerDeps = {
    queue,
    metrics,
    log,
    reconcile: async () => {
      const outcome = outcomes[Math.min(calls++, outcomes.length - 1)];
      if (outcome !== undefined) throw outcome;
    },
  };
  /** Takes the key from the queue as a worker would, and works it. */
  const work = async () => {
    expect(queue.len()).toBe(1);
    await processKey(deps, (await queue.get())!);
  };
  const count = async (m: 'reconcileErrors' | 'reconciles', result?: string) => {
    const values = (await metrics[m].get()).values;
    return values.find((v) => result === undefined || v.labels.result === result)?.value ?? 0;
  };
  return { clock, queue, deps, logs, work, count, calls: () => calls };
}

describe('processKey: what comes back after a backoff', () => {
  it('counts a success and forgets the failures of the key', async () => {
    const t = setup([apiError(503, 'ServiceUnavailable'), undefined]);
    t.queue.add(KEY);
    await t.work();
    expect(t.queue.failuresOf(KEY)).toBe(1);
    await t.clock.advance(100);
    await t.work();
    expect(t.queue.failuresOf(KEY)).toBe(0);
    expect(await t.count('reconciles', 'success')).toBe(1);
  });

  it.each([
    ['a 503', apiError(503, 'ServiceUnavailable')],
    ['a 500', apiError(500, 'InternalError')],
    ['a 429', apiError(429, 'TooManyRequests')],
    ['a 409 conflict', apiError(409, 'Conflict')],
    ['a network error', new KubeApiError('PATCH', '/x', 0, 'NetworkError', 'socket hang up')],
    [
      'a body that is not JSON',
      new KubeApiError('GET', '/x', 200, 'InvalidResponse', '9 bytes', { retriable: true }),
    ],
    ['an untyped error (a token file being rotated)', Object.assign(new Error('EBUSY'), { code: 'EBUSY' })],
  ])('retries %s after its backoff, logging a warning and counting the error', async (_what, err) => {
    const t = setup([err, err, undefined]);
    t.queue.add(KEY);
    await t.work();
    await t.clock.advance(99);
    expect(t.queue.len()).toBe(0);
    await t.clock.advance(1);
    await t.work();
    await t.clock.advance(200);
    await t.work();
    expect(t.calls()).toBe(3);
    expect(await t.count('reconcileErrors')).toBe(2);
    expect(await t.count('reconciles', 'error')).toBe(2);
    expect(t.logs.filter((l) => l.msg === 'reconcile failed; retrying with backoff')).toMatchObject([
      { level: 40, outboxrelay: KEY, delayMs: 100, err: { message: (err as Error).message } },
      { level: 40, outboxrelay: KEY, delayMs: 200 },
    ]);
  });
});

describe('processKey: what is reported and waits for a change', () => {
  it.each([
    ['400 BadRequest', apiError(400, 'BadRequest')],
    ['403 Forbidden', apiError(403, 'Forbidden')],
    ['404 NotFound', apiError(404, 'NotFound')],
    ['422 Invalid', apiError(422, 'Invalid')],
  ])('does not retry a %s: logs it as an error, counts it, and leaves no timer', async (_what, err) => {
    const t = setup([err]);
    t.queue.add(KEY);
    await t.work();
    expect(t.clock.pending()).toBe(0);
    await t.clock.advance(60 * 60_000);
    expect(t.queue.len()).toBe(0);
    expect(t.calls()).toBe(1);
    expect(await t.count('reconcileErrors')).toBe(1);
    expect(await t.count('reconciles', 'error')).toBe(1);
    expect(t.logs).toMatchObject([
      {
        level: 50,
        outboxrelay: KEY,
        retrying: false,
        err: { statusCode: err.statusCode, retriable: false },
        msg: 'reconcile refused by the API server; not retried until the resource changes',
      },
    ]);
  });

  it('reconciles a refused key again as soon as its resource changes, its backoff started afresh', async () => {
    const t = setup([
      apiError(503, 'ServiceUnavailable'),
      apiError(422, 'Invalid'),
      apiError(503, 'Unavailable'),
    ]);
    t.queue.add(KEY);
    await t.work();
    await t.clock.advance(100);
    await t.work(); // the 422: not retried
    expect(t.queue.failuresOf(KEY)).toBe(0);
    t.queue.add(KEY); // what an informer does on a change
    await t.work();
    expect(t.calls()).toBe(3);
    expect(t.clock.pending()).toBe(1);
    await t.clock.advance(100); // the first backoff again, not the third
    expect(t.queue.len()).toBe(1);
  });
});

describe('processKey: what the error says of itself', () => {
  it('does not retry a programming error', async () => {
    const t = setup([new TypeError("Cannot read properties of undefined (reading 'spec')")]);
    t.queue.add(KEY);
    await t.work();
    await t.clock.advance(60 * 60_000);
    expect(t.calls()).toBe(1);
    expect(await t.count('reconcileErrors')).toBe(1);
    expect(t.logs).toMatchObject([
      { level: 50, retrying: false, msg: 'reconcile failed on a programming error; not retried' },
    ]);
  });

  it('does retry a refusal that says it is retriable, whatever its status', async () => {
    const t = setup([new KubeApiError('GET', '/x', 400, 'Odd', 'odd', { retriable: true }), undefined]);
    t.queue.add(KEY);
    await t.work();
    await t.clock.advance(100);
    await t.work();
    expect(t.calls()).toBe(2);
  });
});

describe('processKey: a requeue asked for by the reconcile', () => {
  it('adds the key again after the delay the reconcile returned, though nothing changed', async () => {
    const t = setup([undefined]);
    t.deps.reconcile = async () => ({ requeueAfterMs: 180_000 });
    t.queue.add(KEY);
    await t.work();
    expect(t.queue.len()).toBe(0);
    await t.clock.advance(179_999);
    expect(t.queue.len()).toBe(0);
    await t.clock.advance(1);
    expect(t.queue.len()).toBe(1);
    expect(t.queue.failuresOf(KEY)).toBe(0);
  });

  it('adds nothing when the reconcile asks for nothing', async () => {
    const t = setup([undefined]);
    t.queue.add(KEY);
    await t.work();
    await t.clock.advance(3_600_000);
    expect(t.queue.len()).toBe(0);
  });
});

describe('runWorker', () => {
  it('works the keys as they come until the queue shuts down', async () => {
    const t = setup([undefined]);
    const done = runWorker(t.deps);
    t.queue.add(KEY);
    t.queue.add('shop/payments');
    await t.clock.advance(0);
    expect(t.calls()).toBe(2);
    t.queue.shutDown();
    await expect(done).resolves.toBeUndefined();
  });
});
