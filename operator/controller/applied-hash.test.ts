import { APPLIED_HASH_ANNOTATION } from '../render/labels.js';
import { appliedHash, isSubset, stampAppliedHash, upToDate } from './applied-hash.js';

function desired(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'orders-relay', namespace: 'shop', labels: { a: '1' } },
    spec: {
      replicas: 1,
      template: {
        spec: { containers: [{ name: 'relay', image: 'relay:1', env: [{ name: 'X', value: '1' }] }] },
      },
    },
  };
}

/** What the API server returns for what was applied: defaults, status and other fields added. */
function live(stamped: Record<string, unknown>): Record<string, unknown> {
  const o = structuredClone(stamped) as {
    metadata: Record<string, unknown>;
    spec: { template: { spec: { containers: Array<Record<string, unknown>> } }; strategy?: unknown };
  };
  o.metadata.uid = 'u1';
  o.metadata.generation = 3;
  o.spec.strategy = { type: 'RollingUpdate' };
  o.spec.template.spec.containers[0]!.imagePullPolicy = 'IfNotPresent';
  return { ...o, status: { availableReplicas: 1 } };
}

describe('appliedHash', () => {
  it('does not depend on the order of keys', () => {
    expect(appliedHash({ a: 1, b: { c: 2, d: 3 } })).toBe(appliedHash({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('changes with any value, and with the order of list items', () => {
    expect(appliedHash({ a: [1, 2] })).not.toBe(appliedHash({ a: [2, 1] }));
    expect(appliedHash({ a: '1' })).not.toBe(appliedHash({ a: 1 }));
  });
});

describe('stampAppliedHash', () => {
  it('adds the digest of the unstamped object and leaves the input as it was', () => {
    const d = desired();
    const before = structuredClone(d);
    const stamped = stampAppliedHash(d) as {
      metadata: { annotations: Record<string, string>; labels: unknown };
    };
    expect(d).toEqual(before);
    expect(stamped.metadata.annotations[APPLIED_HASH_ANNOTATION]).toBe(appliedHash(d));
    expect(stamped.metadata.labels).toEqual({ a: '1' });
  });
});

describe('isSubset', () => {
  it.each([
    ['equal scalars', 1, 1, true],
    ['a different scalar', 1, 2, false],
    ['a number against its string', 1, '1', false],
    ['extra keys in live', { a: 1 }, { a: 1, b: 2 }, true],
    ['a key missing from live', { a: 1, b: 2 }, { a: 1 }, false],
    ['an undefined key in desired', { a: 1, b: undefined }, { a: 1 }, true],
    ['an empty map the API server left out', { a: 1, b: {} }, { a: 1 }, true],
    ['an empty list the API server left out', { a: 1, b: [] }, { a: 1 }, true],
    ['an empty map against a full one', { b: {} }, { b: { c: 1 } }, true],
    ['an empty list against a full one', { b: [] }, { b: [1] }, false],
    ['a key missing from live whose value is null', { a: null }, {}, false],
    ['lists of the same length, items subsets', [{ a: 1 }], [{ a: 1, b: 2 }], true],
    ['a list with an item added in live', [{ a: 1 }], [{ a: 1 }, { a: 2 }], false],
    ['a list in another order', [1, 2], [2, 1], false],
    ['an object against a list', { a: 1 }, [1], false],
    ['an object against null', { a: 1 }, null, false],
  ])('%s', (_name, d, l, expected) => {
    expect(isSubset(d, l)).toBe(expected);
  });
});

describe('upToDate', () => {
  it('is true for the live object of what was applied', () => {
    const stamped = stampAppliedHash(desired());
    expect(upToDate(stamped, live(stamped))).toBe(true);
  });

  it('is false when there is no live object', () => {
    expect(upToDate(stampAppliedHash(desired()), undefined)).toBe(false);
  });

  it('is false when the live object was applied without the annotation (an operator before it)', () => {
    const stamped = stampAppliedHash(desired());
    const l = live(desired());
    expect(upToDate(stamped, l)).toBe(false);
  });

  it('is false when a field is no longer desired (the digest differs though desired ⊆ live)', () => {
    const before = desired();
    const l = live(stampAppliedHash(before));
    const after = desired() as { spec: { template: { spec: { containers: Array<{ env?: unknown }> } } } };
    delete after.spec.template.spec.containers[0]!.env;
    expect(isSubset(after, l)).toBe(true);
    expect(upToDate(stampAppliedHash(after), l)).toBe(false);
  });

  it('is false when a user edited a managed field, with the annotation unchanged', () => {
    const stamped = stampAppliedHash(desired());
    const l = live(stamped);
    (l as { spec: { replicas: number } }).spec.replicas = 5;
    expect(upToDate(stamped, l)).toBe(false);
  });

  it('is false when a user removed a managed label', () => {
    const stamped = stampAppliedHash(desired());
    const l = live(stamped);
    delete (l as { metadata: { labels: Record<string, string> } }).metadata.labels.a;
    expect(upToDate(stamped, l)).toBe(false);
  });
});
