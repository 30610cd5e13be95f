// The reconcile recipe with fake caches and a recording client (the real API server is exercised by
// test/operator/e2e.test.ts).
import pino from 'pino';
import type { OutboxRelay } from '../api/types.js';
import { KubeApiError, type KubeObject } from '../kube/client.js';
import { createMetrics } from '../metrics.js';
import { FakeClock } from '../runtime/fake-clock.js';
import { OutboxRelayController, type Cache, type ControllerClient } from './outboxrelay-controller.js';
import type { SecretLike } from './secrets-check.js';

class MapCache<T extends { metadata?: { name?: string; namespace?: string } }> implements Cache<T> {
  items = new Map<string, T>();
  put(o: T): void {
    this.items.set(`${o.metadata?.namespace}/${o.metadata?.name}`, o);
  }
  get(name: string, namespace?: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }
  list(namespace?: string): T[] {
    return [...this.items.values()].filter((o) => !namespace || o.metadata?.namespace === namespace);
  }
}

interface Call {
  verb: string;
  path: string;
  body?: unknown;
}

function relay(spec: Partial<OutboxRelay['spec']> = {}): OutboxRelay {
  return {
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name: 'orders', namespace: 'shop', uid: 'u1', generation: 1, resourceVersion: '1' },
    spec: { database: { secretRef: { name: 'db' } }, kafka: { brokers: ['k:9092'] }, ...spec },
    status: { databases: [idleReport] },
  };
}

/** A relay pod's report of a database with nothing pending. */
const ok = { state: 'Available' as const };
const idleReport = { name: 'd', pending: 0, errored: 0, kafka: ok, database: ok, reportedBy: 'p' };

const dbSecret: SecretLike = {
  metadata: { name: 'db', namespace: 'shop' },
  data: { host: 'aA==', port: 'NQ==', username: 'dQ==', password: 'cA==', database: 'ZA==' },
};

function setup(options: { failApply?: number } = {}) {
  const calls: Call[] = [];
  // What the API server holds after each apply, by path: the tests put it in the caches as the
  // informers would.
  const applied = new Map<string, KubeObject>();
  const client: ControllerClient = {
    async apply<T>(path: string, object: unknown) {
      calls.push({ verb: 'apply', path, body: object });
      if (options.failApply) throw new KubeApiError('PATCH', path, options.failApply, 'Invalid', 'refused');
      const o = structuredClone(object) as KubeObject;
      if (o.kind === 'Deployment') {
        o.status = { availableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] };
      }
      o.metadata = { ...o.metadata, generation: 1 };
      applied.set(path, o);
      return structuredClone(o) as T;
    },
    async mergePatch<T>(path: string, patch: unknown) {
      calls.push({ verb: 'status', path, body: patch });
      return { metadata: { resourceVersion: '2' } } as T;
    },
    async delete(path: string) {
      calls.push({ verb: 'delete', path });
    },
  };
  const relays = new MapCache<OutboxRelay>();
  const secrets = new MapCache<SecretLike>();
  const deployments = new MapCache<KubeObject>();
  const cronjobs = new MapCache<KubeObject>();
  const serviceAccounts = new MapCache<KubeObject>();
  const roles = new MapCache<KubeObject>();
  const roleBindings = new MapCache<KubeObject>();
  const byKind: Record<string, MapCache<KubeObject>> = {
    Deployment: deployments,
    CronJob: cronjobs,
    ServiceAccount: serviceAccounts,
    Role: roles,
    RoleBinding: roleBindings,
  };
  const events: string[] = [];
  const controller = new OutboxRelayController({
    client,
    config: { relayImage: 'relay:1' },
    clock: new FakeClock(),
    log: pino({ level: 'silent' }),
    events: { record: (_r, type, reason) => events.push(`${type}/${reason}`) },
    metrics: createMetrics(() => 0),
    relays,
    secrets,
    deployments,
    cronjobs,
    ...{ serviceAccounts, roles, roleBindings },
  });
  /** The caches catch up with every applied child, as the informers would. */
  const syncCaches = () => {
    for (const o of applied.values()) byKind[String(o.kind)]!.put(structuredClone(o));
  };
  return {
    controller,
    calls,
    relays,
    secrets,
    deployments,
    cronjobs,
    roles,
    roleBindings,
    events,
    syncCaches,
  };
}

/** The relay pods' ServiceAccount, Role and RoleBinding, applied before the pods. */
const REPORTER_APPLIES = [
  'apply serviceaccounts/orders-reporter',
  'apply roles/orders-reporter',
  'apply rolebindings/orders-reporter',
];

const verbs = (calls: Call[]) => calls.map((c) => `${c.verb} ${c.path.split('/').slice(-2).join('/')}`);

describe('OutboxRelayController.reconcile', () => {
  it('does nothing for a resource that is gone', async () => {
    const t = setup();
    await t.controller.reconcile('shop/orders');
    expect(t.calls).toEqual([]);
  });

  it('applies the reporter RBAC, the Deployment and the cleanup CronJob, then writes a Ready status once', async () => {
    const t = setup();
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual([
      ...REPORTER_APPLIES,
      'apply deployments/orders-relay',
      'apply cronjobs/orders-cleanup',
      'status orders/status',
    ]);
    const status = (t.calls[5]?.body as { status: OutboxRelay['status'] }).status;
    expect(status?.conditions?.map((c) => `${c.type}=${c.status}:${c.reason}`)).toEqual([
      'Ready=True:Ready',
      'Reconciled=True:Applied',
      'Available=True:MinimumReplicasAvailable',
      'Publishing=True:Idle',
    ]);
    expect(t.events).toEqual([
      ...REPORTER_APPLIES.map(() => 'Normal/Applied'),
      'Normal/Applied',
      'Normal/Applied',
      'Normal/ReadyChanged',
      'Normal/PublishingChanged',
    ]);

    // The same world again, cache not yet updated with our write: no second status write.
    t.calls.length = 0;
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual([
      ...REPORTER_APPLIES,
      'apply deployments/orders-relay',
      'apply cronjobs/orders-cleanup',
    ]);
  });

  it('reports a missing Secret without touching the children and without throwing', async () => {
    const t = setup();
    t.relays.put(relay());
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual(['status orders/status']);
    const ready = (t.calls[0]?.body as { status: OutboxRelay['status'] }).status?.conditions?.[0];
    expect(ready).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'SecretNotFound',
      message: 'Secret db not found',
    });
    expect(t.events).toContain('Warning/SecretNotFound');
  });

  it('reports a missing key by name', async () => {
    const t = setup();
    t.relays.put(relay());
    t.secrets.put({ ...dbSecret, data: { host: 'aA==' } });
    await t.controller.reconcile('shop/orders');
    const ready = (t.calls[0]?.body as { status: OutboxRelay['status'] }).status?.conditions?.[0];
    expect(ready).toMatchObject({
      reason: 'SecretKeyMissing',
      message: 'Secret db has no key port, username, password, database',
    });
  });

  it('deletes an optimize CronJob it owns once optimize is disabled', async () => {
    const t = setup();
    t.relays.put(relay({ optimize: { enabled: false } }));
    t.secrets.put(dbSecret);
    t.cronjobs.put({
      metadata: {
        name: 'orders-optimize',
        namespace: 'shop',
        uid: 'c1',
        ownerReferences: [
          {
            apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
            kind: 'OutboxRelay',
            name: 'orders',
            uid: 'u1',
            controller: true,
          },
        ],
      },
    });
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toContain('delete cronjobs/orders-optimize');
  });

  it('changes no child while paused, and still writes status', async () => {
    const t = setup();
    t.relays.put(relay({ paused: true }));
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual(['status orders/status']);
  });

  it('reports a refused apply as ApplyFailed and does not throw', async () => {
    const t = setup({ failApply: 422 });
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    const ready = (t.calls.at(-1)?.body as { status: OutboxRelay['status'] }).status?.conditions?.[0];
    expect(ready).toMatchObject({ status: 'False', reason: 'ApplyFailed' });
  });

  it('throws a retriable error when the API server fails, for the queue to back off', async () => {
    const t = setup({ failApply: 503 });
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await expect(t.controller.reconcile('shop/orders')).rejects.toMatchObject({
      retriable: true,
      statusCode: 503,
    });
  });

  it("throws a 403 on apply for the worker to report: the operator's RBAC is not the user's to fix", async () => {
    const t = setup({ failApply: 403 });
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await expect(t.controller.reconcile('shop/orders')).rejects.toMatchObject({
      retriable: false,
      statusCode: 403,
    });
    expect(t.events).toEqual([]);
  });

  it('applies nothing when the cached children already hold what would be applied', async () => {
    const t = setup();
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    t.syncCaches();
    t.calls.length = 0;
    t.events.length = 0;
    await t.controller.reconcile('shop/orders');
    expect(t.calls).toEqual([]);
    expect(t.events).toEqual([]);
  });

  it('stamps each applied child with the digest of what it applied', async () => {
    const t = setup();
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    const annotations = t.calls
      .filter((c) => c.verb === 'apply')
      .map((c) => (c.body as KubeObject).metadata?.annotations?.['outbox.kafka-relay.dev/applied-hash']);
    expect(annotations).toHaveLength(2 + REPORTER_APPLIES.length);
    for (const a of annotations) expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it('puts back a managed field that a user edited on a child', async () => {
    const t = setup();
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    t.syncCaches();
    const live = t.deployments.get('orders-relay', 'shop') as { spec: { replicas: number } };
    live.spec.replicas = 7;
    t.calls.length = 0;
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual(['apply deployments/orders-relay']);
  });

  it('creates again a child that a user deleted', async () => {
    const t = setup();
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    t.syncCaches();
    t.cronjobs.items.delete('shop/orders-cleanup');
    t.calls.length = 0;
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual(['apply cronjobs/orders-cleanup']);
  });

  it('puts back a deleted RoleBinding of the relay pods and writes nothing for the unchanged ones', async () => {
    const t = setup();
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    t.syncCaches();
    t.calls.length = 0;
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual([]);
    t.roleBindings.items.delete('shop/orders-reporter');
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual(['apply rolebindings/orders-reporter']);
  });

  it("puts back a rule a user widened in the relay pods' Role", async () => {
    const t = setup();
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    t.syncCaches();
    const role = t.roles.get('orders-reporter', 'shop') as KubeObject & { rules: Array<{ verbs: string[] }> };
    role.rules[0]!.verbs = ['get', 'patch', 'update', 'delete'];
    t.calls.length = 0;
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual(['apply roles/orders-reporter']);
  });

  it('applies a child again when what it should be changed', async () => {
    const t = setup();
    t.relays.put(relay());
    t.secrets.put(dbSecret);
    await t.controller.reconcile('shop/orders');
    t.syncCaches();
    t.relays.put({
      ...relay({ relay: { image: 'relay:2' } }),
      metadata: { ...relay().metadata, generation: 2 },
    });
    t.calls.length = 0;
    await t.controller.reconcile('shop/orders');
    expect(verbs(t.calls)).toEqual([
      'apply deployments/orders-relay',
      'apply cronjobs/orders-cleanup',
      'status orders/status',
    ]);
  });
});
