import { createLogger } from '../logger.js';
import { createEntryRemover, planEntryRemovals } from './release-entries.js';
import { StatusWriteError, type JsonPatchOperation } from './status-client.js';

const POD = 'orders-relay-a';
const answer = {
  status: {
    databases: [
      { name: 'billing', reportedBy: POD }, // standby mode: no publishers
      { name: 'orders', reportedBy: POD, publishers: [{ pod: POD, shareCount: 64, shares: '0-63' }] },
      { name: 'audit', reportedBy: POD, publishers: [{ pod: 'orders-relay-b', shareCount: 12 }] },
      { name: 'stock', reportedBy: 'orders-relay-b' },
      { name: 'other', reportedBy: POD },
    ],
  },
};

describe('the entries a release could not free', () => {
  it('are removed only where this pod reported and no other pod publishes, last index first, each guarded', () => {
    const plan = planEntryRemovals(answer, POD, ['billing', 'orders', 'audit', 'stock']);
    expect(plan.map((r) => r.database)).toEqual(['orders', 'billing']);
    expect(plan[0]!.patch).toEqual([
      { op: 'test', path: '/status/databases/1/name', value: 'orders' },
      { op: 'test', path: '/status/databases/1/reportedBy', value: POD },
      {
        op: 'test',
        path: '/status/databases/1/publishers',
        value: [{ pod: POD, shareCount: 64, shares: '0-63' }],
      },
      { op: 'remove', path: '/status/databases/1' },
    ]);
    expect(plan[1]!.patch).toEqual([
      { op: 'test', path: '/status/databases/0/name', value: 'billing' },
      { op: 'test', path: '/status/databases/0/reportedBy', value: POD },
      { op: 'remove', path: '/status/databases/0' },
    ]);
    // An element of a pod known to have no live member does not keep the entry.
    const dead = (_database: string, pod: string) => (pod === 'orders-relay-b' ? false : undefined);
    expect(planEntryRemovals(answer, POD, ['audit'], dead).map((r) => r.database)).toEqual(['audit']);
    expect(planEntryRemovals(answer, POD, ['audit'], () => undefined)).toEqual([]);
    expect(planEntryRemovals(undefined, POD, ['orders'])).toEqual([]);
    expect(planEntryRemovals({ status: {} }, POD, ['orders'])).toEqual([]);
  });

  it('reads the object again, goes on past an entry another pod wrote to meanwhile (422), and never rejects', async () => {
    const sent: JsonPatchOperation[][] = [];
    let calls = 0;
    const remove = createEntryRemover({
      patchStatus: async (operations) => {
        if (calls++ === 0) throw new StatusWriteError('test failed', 422, { retriable: false });
        sent.push([...operations]);
      },
      get: async () => answer,
      podName: POD,
      logger: createLogger({ level: 'silent' }),
    });
    expect(await remove(['billing', 'orders'])).toBe(1);
    expect(sent.map((p) => p.at(-1))).toEqual([{ op: 'remove', path: '/status/databases/0' }]);
    const failing = createEntryRemover({
      patchStatus: async () => {
        throw new Error('connection reset');
      },
      get: async () => answer,
      podName: POD,
      logger: createLogger({ level: 'silent' }),
    });
    expect(await failing(['billing'])).toBe(0);
    const unread = createEntryRemover({
      patchStatus: async () => void sent.push([]),
      get: async () => {
        throw new Error('connection reset');
      },
      podName: POD,
      logger: createLogger({ level: 'silent' }),
    });
    expect(await unread(['billing'])).toBe(0);
    expect(sent).toHaveLength(1);
  });
});
