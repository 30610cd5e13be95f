// The controller's side of the relays' reports, with fake caches and a recording client: Publishing and
// Ready follow the reports, the status write never carries status.databases, and an unchanged backlog
// comes back at the moment it would become Stalled.
import pino from 'pino';
import type { DatabaseReport, OutboxRelay } from '../api/types.js';
import type { KubeObject } from '../kube/client.js';
import { createMetrics } from '../metrics.js';
import { FakeClock } from '../runtime/fake-clock.js';
import { OutboxRelayController, type Cache, type ControllerClient } from './outboxrelay-controller.js';
import type { SecretLike } from './secrets-check.js';

const START = Date.parse('2026-03-01T12:00:00Z');
const MINUTE = 60_000;

class MapCache<T extends { metadata?: { name?: string; namespace?: string } }> implements Cache<T> {
  items = new Map<string, T>();
  put(o: T): void {
    this.items.set(`${o.metadata?.namespace}/${o.metadata?.name}`, o);
  }
  get(name: string, namespace?: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }
  list(): T[] {
    return [...this.items.values()];
  }
}

const report = (change: Partial<DatabaseReport> = {}): DatabaseReport => ({
  name: 'orders',
  pending: 0,
  errored: 0,
  kafka: { state: 'Available' },
  database: { state: 'Available' },
  reportedBy: 'orders-relay-0',
  ...change,
});

function setup() {
  const patches: Array<{ status: Record<string, unknown> }> = [];
  let version = 1;
  const client: ControllerClient = {
    async apply<T>(_path: string, object: unknown) {
      const o = structuredClone(object) as KubeObject;
      if (o.kind === 'Deployment')
        o.status = { availableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] };
      o.metadata = { ...o.metadata, generation: 1 };
      if (o.kind === 'Deployment') deployments.put(o);
      return o as T;
    },
    async mergePatch<T>(_path: string, patch: unknown) {
      patches.push(patch as { status: Record<string, unknown> });
      return { metadata: { resourceVersion: String(++version) } } as T;
    },
    async delete() {},
  };
  const relays = new MapCache<OutboxRelay>();
  const deployments = new MapCache<KubeObject>();
  const secrets = new MapCache<SecretLike>();
  secrets.put({
    metadata: { name: 'db', namespace: 'shop' },
    data: { host: 'aA==', port: 'NQ==', username: 'dQ==', password: 'cA==', database: 'ZA==' },
  });
  const clock = new FakeClock(START);
  const events: string[] = [];
  const controller = new OutboxRelayController({
    client,
    config: { relayImage: 'relay:1' },
    clock,
    log: pino({ level: 'silent' }),
    events: { record: (_r, type, reason, _a, note) => events.push(`${type}/${reason}: ${note}`) },
    metrics: createMetrics(() => 0),
    relays,
    deployments,
    cronjobs: new MapCache<KubeObject>(),
    serviceAccounts: new MapCache<KubeObject>(),
    roles: new MapCache<KubeObject>(),
    roleBindings: new MapCache<KubeObject>(),
    secrets,
  });
  /** A relay pod's report lands: the cache holds it, at a new resourceVersion. */
  const reported = (databases: DatabaseReport[], status: OutboxRelay['status'] = {}) =>
    relays.put({
      apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
      kind: 'OutboxRelay',
      metadata: {
        name: 'orders',
        namespace: 'shop',
        uid: 'u1',
        generation: 1,
        resourceVersion: String(++version),
      },
      spec: { database: { secretRef: { name: 'db' } }, kafka: { brokers: ['k-0:9092', 'k-1:9092'] } },
      status: { ...status, databases },
    });
  const condition = (type: string) =>
    (patches.at(-1)?.status.conditions as Array<{ type: string; status: string; reason: string }>).find(
      (c) => c.type === type,
    );
  return { controller, patches, clock, events, reported, condition };
}

describe('OutboxRelayController and the relays’ reports', () => {
  it('is AwaitingReport, not Ready, before any relay pod reported', async () => {
    const t = setup();
    t.reported([]);
    await t.controller.reconcile('shop/orders');
    expect(t.condition('Publishing')).toMatchObject({ status: 'Unknown', reason: 'AwaitingReport' });
    expect(t.condition('Ready')).toMatchObject({ status: 'False', reason: 'AwaitingReport' });
  });

  it('writes the summary and the conditions, never status.databases', async () => {
    const t = setup();
    t.reported([
      report({
        pending: 7,
        oldestPendingTime: '2026-03-01T11:59:00Z',
        lastPublishedTime: '2026-03-01T11:59:59Z',
      }),
    ]);
    await t.controller.reconcile('shop/orders');
    const status = t.patches.at(-1)?.status ?? {};
    expect(status).not.toHaveProperty('databases');
    expect(status).toMatchObject({
      backlog: 7,
      oldestPendingTime: '2026-03-01T11:59:00Z',
      lastPublishedTime: '2026-03-01T11:59:59Z',
      brokers: 'k-0:9092,k-1:9092',
    });
    expect(t.condition('Ready')).toMatchObject({ status: 'True', reason: 'Ready' });
  });

  it('turns Publishing and Ready False with the reason of a report, with an Event for each', async () => {
    const t = setup();
    t.reported([report()]);
    await t.controller.reconcile('shop/orders');
    t.events.length = 0;
    t.reported([report({ kafka: { state: 'Unauthorized', message: 'SASL authentication failed' } })]);
    await t.controller.reconcile('shop/orders');
    expect(t.condition('Publishing')).toMatchObject({ status: 'False', reason: 'KafkaUnauthorized' });
    expect(t.condition('Ready')).toMatchObject({ status: 'False', reason: 'KafkaUnauthorized' });
    expect(t.events.map((e) => e.split(':')[0])).toEqual([
      'Warning/ReadyChanged',
      'Warning/PublishingChanged',
    ]);
  });

  it('asks to come back when the backlog would become Stalled, and is Stalled then without a new report', async () => {
    const t = setup();
    t.reported([report({ pending: 3, oldestPendingTime: '2026-03-01T11:58:00Z' })]);
    expect(await t.controller.reconcile('shop/orders')).toEqual({ requeueAfterMs: 3 * MINUTE });
    expect(t.condition('Publishing')).toMatchObject({ status: 'True', reason: 'Publishing' });
    const writes = t.patches.length;

    await t.clock.advance(3 * MINUTE);
    expect(await t.controller.reconcile('shop/orders')).toEqual({});
    expect(t.patches.length).toBe(writes + 1);
    expect(t.condition('Publishing')).toMatchObject({ status: 'False', reason: 'Stalled' });
    expect(t.condition('Ready')).toMatchObject({ status: 'False', reason: 'Stalled' });
  });

  it('writes nothing again for an unchanged backlog, however much later', async () => {
    const t = setup();
    t.reported([report({ pending: 3, oldestPendingTime: '2026-03-01T11:59:00Z' })]);
    await t.controller.reconcile('shop/orders');
    const writes = t.patches.length;
    await t.clock.advance(2 * MINUTE);
    await t.controller.reconcile('shop/orders');
    expect(t.patches.length).toBe(writes);
  });

  it('reads the reports from the cache while its own write has not come back yet', async () => {
    const t = setup();
    t.reported([report()]);
    await t.controller.reconcile('shop/orders');
    const writes = t.patches.length;
    // The same resourceVersion again (our write not yet in the cache): the reports still count.
    await t.controller.reconcile('shop/orders');
    expect(t.patches.length).toBe(writes);
    expect(t.condition('Publishing')).toMatchObject({ status: 'True', reason: 'Idle' });
  });
});
