import { Writable } from 'node:stream';
import { createLogger } from '../logger.js';
import { createPublisherPruner, planPrunes, prunePatch, PRUNED, type IsLive } from './prune-publishers.js';
import { StatusWriteError, type JsonPatchOperation } from './status-client.js';

const publisher = (pod: string, shares = '0-31', shareCount = 32) => ({ pod, shareCount, shares });

/** The object as the API server answers an apply: every pod's entries. */
const answered = (...databases: Array<{ name: string; publishers?: unknown[] }>) => ({
  apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
  kind: 'OutboxRelay',
  metadata: { name: 'orders', namespace: 'shop', resourceVersion: '42' },
  spec: {},
  status: { databases: databases.map((d) => ({ pending: 0, errored: 0, reportedBy: 'x', ...d })) },
});

/** Live pods per database; a database missing from the table has no known members. */
const liveIn =
  (table: Record<string, string[]>): IsLive =>
  (database, pod) =>
    table[database]?.includes(pod);

describe('planning the pruning of publishers', () => {
  it('removes the element of a pod with no live member, guarded by its entry’s name and its pod', () => {
    const object = answered({ name: 'orders', publishers: [publisher('relay-a'), publisher('relay-dead')] });
    expect(planPrunes(object, 'relay-a', liveIn({ orders: ['relay-a'] }))).toEqual([
      {
        database: 'orders',
        pod: 'relay-dead',
        patch: [
          { op: 'test', path: '/status/databases/0/name', value: 'orders' },
          { op: 'test', path: '/status/databases/0/publishers/1/pod', value: 'relay-dead' },
          { op: 'remove', path: '/status/databases/0/publishers/1' },
        ],
      },
    ]);
  });

  it('keeps the elements of live pods, and its own even when its member is not seen', () => {
    const object = answered({
      name: 'orders',
      publishers: [publisher('relay-a'), publisher('relay-b'), publisher('relay-c')],
    });
    expect(planPrunes(object, 'relay-c', liveIn({ orders: ['relay-a', 'relay-b'] }))).toEqual([]);
  });

  it('prunes nothing in a database whose members are not known', () => {
    const object = answered(
      { name: 'orders', publishers: [publisher('relay-a'), publisher('relay-dead')] },
      { name: 'billing', publishers: [publisher('relay-a'), publisher('relay-dead')] },
    );
    const plan = planPrunes(object, 'relay-a', liveIn({ billing: ['relay-a'] }));
    expect(plan.map((p) => `${p.database}:${p.pod}`)).toEqual(['billing:relay-dead']);
    expect(plan[0]?.patch[0]).toEqual({ op: 'test', path: '/status/databases/1/name', value: 'billing' });
  });

  it('removes the last element of an entry first, so the indexes of the others stay right', () => {
    const object = answered({
      name: 'orders',
      publishers: [publisher('gone-1'), publisher('relay-a'), publisher('gone-2'), publisher('gone-3')],
    });
    const plan = planPrunes(object, 'relay-a', liveIn({ orders: ['relay-a'] }));
    expect(plan.map((p) => [p.pod, p.patch[2]])).toEqual([
      ['gone-3', { op: 'remove', path: '/status/databases/0/publishers/3' }],
      ['gone-2', { op: 'remove', path: '/status/databases/0/publishers/2' }],
      ['gone-1', { op: 'remove', path: '/status/databases/0/publishers/0' }],
    ]);
  });

  it.each([
    ['no object', undefined],
    ['no status', { metadata: {} }],
    ['databases that are not a list', { status: { databases: {} } }],
    ['an entry without a name', { status: { databases: [{ publishers: [publisher('gone')] }] } }],
    ['publishers that are not a list', { status: { databases: [{ name: 'orders', publishers: 'x' }] } }],
    [
      'an element without a pod',
      { status: { databases: [{ name: 'orders', publishers: [{ shares: '' }] }] } },
    ],
    ['an entry without publishers (standby mode)', answered({ name: 'orders' })],
  ])('plans nothing from %s', (_case, object) => {
    expect(planPrunes(object, 'relay-a', () => false)).toEqual([]);
  });

  it('builds the patch from the indexes and names alone', () => {
    expect(prunePatch(2, 'billing', 5, 'relay-x')).toEqual([
      { op: 'test', path: '/status/databases/2/name', value: 'billing' },
      { op: 'test', path: '/status/databases/2/publishers/5/pod', value: 'relay-x' },
      { op: 'remove', path: '/status/databases/2/publishers/5' },
    ]);
  });
});

describe('the pruner', () => {
  function harness(answers: Array<Error | undefined> = []) {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(
          ...chunk
            .toString()
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        );
        done();
      },
    });
    const patches: JsonPatchOperation[][] = [];
    const prune = createPublisherPruner({
      patchStatus: async (operations) => {
        patches.push([...operations]);
        const failure = answers.shift();
        if (failure) throw failure;
      },
      podName: 'relay-a',
      isLive: liveIn({ orders: ['relay-a'] }),
      logger: createLogger({ level: 'debug' }, sink),
    });
    return { prune, patches, lines };
  }
  const three = answered({
    name: 'orders',
    publishers: [publisher('gone-1'), publisher('relay-a'), publisher('gone-2'), publisher('gone-3')],
  });
  const moved = () =>
    new StatusWriteError('cannot write: 422 Invalid: testing value failed', 422, { retriable: false });

  it('sends one patch per element and logs each pruned pod at info', async () => {
    const t = harness();
    expect(await t.prune(three)).toBe(3);
    expect(t.patches.map((p) => p[1])).toEqual([
      { op: 'test', path: '/status/databases/0/publishers/3/pod', value: 'gone-3' },
      { op: 'test', path: '/status/databases/0/publishers/2/pod', value: 'gone-2' },
      { op: 'test', path: '/status/databases/0/publishers/0/pod', value: 'gone-1' },
    ]);
    const pruned = t.lines.filter((l) => l.msg === PRUNED);
    expect(pruned.map((l) => [l.level, l.database, l.pod])).toEqual([
      [30, 'orders', 'gone-3'],
      [30, 'orders', 'gone-2'],
      [30, 'orders', 'gone-1'],
    ]);
  });

  it('takes a failed test (another pruned it, or the list moved) at debug and goes on', async () => {
    const t = harness([moved()]);
    expect(await t.prune(three)).toBe(2);
    expect(t.patches).toHaveLength(3);
    expect(t.lines.filter((l) => l.level === 20 && l.pod === 'gone-3')).toHaveLength(1);
    expect(t.lines.filter((l) => Number(l.level) >= 40 || (l.msg === PRUNED && l.pod === 'gone-3'))).toEqual(
      [],
    );
  });

  it('stops at another failure, warns, and never rejects', async () => {
    const t = harness([new StatusWriteError('cannot write: ECONNRESET', undefined, { retriable: true })]);
    expect(await t.prune(three)).toBe(0);
    expect(t.patches).toHaveLength(1);
    expect(t.lines.filter((l) => l.level === 40)).toHaveLength(1);
  });

  it('sends nothing while every pod has a live member', async () => {
    const t = harness();
    expect(await t.prune(answered({ name: 'orders', publishers: [publisher('relay-a')] }))).toBe(0);
    expect(t.patches).toEqual([]);
  });
});
