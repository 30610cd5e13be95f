// End to end on the local control plane, with the operator running as its own process under exactly the
// RBAC of config/rbac: resources in, children out, status back, and the failure paths in between.
import { randomBytes } from 'node:crypto';
import { kubectlError, metricValue, operatorSuite, type OperatorProcess } from '../support/operator.js';
import { applyReport, databaseReport } from '../support/relay-report.js';
import { eventually, kubectl, type TestNamespace } from '../support/servers.js';

interface Obj {
  metadata: {
    resourceVersion: string;
    generation?: number;
    uid: string;
    annotations?: Record<string, string>;
  };
  spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const password = `pw-${randomBytes(8).toString('hex')}`;
const saslPassword = `sasl-${randomBytes(8).toString('hex')}`;

function secret(name: string, data: Record<string, string>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data });
}

const dbData = { host: 'db.example', port: '5432', username: 'relay', password, database: 'orders' };

function outboxRelay(spec: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name: 'orders' },
    spec: {
      database: { secretRef: { name: 'orders-db' } },
      kafka: {
        brokers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'],
        sasl: { mechanism: 'scram-sha-512', secretRef: { name: 'orders-kafka' } },
      },
      ...spec,
    },
  });
}

describe('the operator, end to end', () => {
  const suite = operatorSuite('operator-e2e', 'SIGTERM');
  let ns: TestNamespace;
  let op: OperatorProcess;
  const get = async (kind: string, name: string): Promise<Obj | undefined> => {
    const out = await kubectl(['get', kind, name, '-n', ns.name, '-o', 'json', '--ignore-not-found']);
    return out.trim() ? (JSON.parse(out) as Obj) : undefined;
  };
  const readyColumns = async (): Promise<string[]> =>
    (await kubectl(['get', 'outboxrelays', 'orders', '-n', ns.name, '--no-headers'])).trim().split(/\s+/);
  const waitReady = (status: string, reason: string) =>
    eventually(
      `READY ${status} ${reason}`,
      async () => {
        const cols = await readyColumns();
        return cols[3] === status && cols[4] === reason ? cols : undefined;
      },
      90_000,
    );
  const env = (d: Obj | undefined): Record<string, unknown> =>
    Object.fromEntries(
      (
        (d?.spec.template.spec.containers[0].env ?? []) as Array<{
          name: string;
          value?: string;
          valueFrom?: unknown;
        }>
      ).map((e) => [e.name, e.value ?? e.valueFrom]),
    );

  beforeAll(async () => {
    ns = suite.ns;
    // Pod Security admission rejects any pod of the operator's children that is not restricted.
    op = await suite.start('e2e-operator');
  });

  it('runs under a ServiceAccount that cannot do more than config/rbac grants', async () => {
    const as = `system:serviceaccount:${ns.name}:outbox-relay-operator`;
    const can = async (...args: string[]) =>
      (
        await kubectl(['auth', 'can-i', ...args, '-n', ns.name, '--as', as]).catch(
          (e: { output?: string }) => e.output ?? '',
        )
      )
        .trim()
        .split('\n')[0];
    expect(await can('patch', 'deployments.apps')).toBe('yes');
    expect(await can('create', 'secrets')).toBe('no');
    expect(await can('update', 'secrets')).toBe('no');
    expect(await can('delete', 'outboxrelays.outbox.kafka-relay.dev')).toBe('no');
    expect(await can('update', 'outboxrelays.outbox.kafka-relay.dev')).toBe('no');
    expect(await can('create', 'pods')).toBe('no');
  });

  it('creates the Deployment and the cleanup CronJob with the right spec and reports READY True', async () => {
    await kubectl(['apply', '-n', ns.name, '-f', '-'], secret('orders-db', dbData));
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      secret('orders-kafka', { username: 'u', password: saslPassword }),
    );
    await kubectl(['apply', '-n', ns.name, '-f', '-'], outboxRelay());

    const deployment = await eventually('the relay Deployment', () => get('deployment', 'orders-relay'));
    const relay = await get('outboxrelay', 'orders');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe('kafka-outbox-relay/relay:test');
    expect(container.args).toEqual(['run']);
    expect(env(deployment)).toMatchObject({
      DB_DRIVER: 'postgres',
      DB_USER: { secretKeyRef: { name: 'orders-db', key: 'username' } },
      // The password is a file of a read-only Secret volume, like the other credentials.
      DB_PASS_FILE: '/etc/outbox-relay/db-password/password',
      KAFKA_HOST: 'kafka-0.kafka:9092,kafka-1.kafka:9092',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      // SASL credentials are files of a read-only Secret volume (operator/render/secret-files.ts).
      KAFKA_SASL_PASSWORD_FILE: '/etc/outbox-relay/kafka-sasl/password',
      BATCH_SIZE: '250',
      POLL_FREQUENCY_MS: '500',
      HTTP_PORT: '8080',
    });
    expect(container.livenessProbe.httpGet.path).toBe('/livez');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.terminationGracePeriodSeconds).toBe(15);
    expect(
      (deployment.metadata as unknown as { ownerReferences: Array<{ uid: string }> }).ownerReferences[0]?.uid,
    ).toBe(relay?.metadata.uid);

    const withFields = JSON.parse(
      await kubectl([
        'get',
        'deployment',
        'orders-relay',
        '-n',
        ns.name,
        '-o',
        'json',
        '--show-managed-fields',
      ]),
    ) as { metadata: { managedFields: Array<{ manager: string; operation: string }> } };
    const managers = withFields.metadata.managedFields
      .filter((m) => m.manager === 'outbox-relay-operator')
      .map((m) => m.operation);
    expect(managers).toEqual(['Apply']);

    const cleanup = await eventually('the cleanup CronJob', () => get('cronjob', 'orders-cleanup'));
    expect(cleanup.spec.concurrencyPolicy).toBe('Forbid');
    expect(cleanup.spec.jobTemplate.spec.template.spec.containers[0].args).toEqual(['cleanup']);

    // No relay runs on kwok: the test reports as the relay pod would (Ready needs Publishing).
    await waitReady('False', 'AwaitingReport');
    await applyReport(ns.name, 'orders', 'orders-relay-0', [databaseReport('orders', 'orders-relay-0')]);
    const cols = await waitReady('True', 'Ready');
    expect(cols.slice(0, 3)).toEqual(['orders', 'postgres', 'kafka_outbox']);
    const nodes = await kubectl([
      'get',
      'pods',
      '-n',
      ns.name,
      '-l',
      'app.kubernetes.io/instance=orders,app.kubernetes.io/component=relay',
      '-o',
      'jsonpath={.items[*].spec.nodeName}',
    ]);
    expect(nodes.trim()).toBe('kwok-node-0');
    const status = (await get('outboxrelay', 'orders'))?.status;
    expect(status?.observedGeneration).toBe(1);
    expect(
      status?.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`).sort(),
    ).toEqual(['Available=True', 'Publishing=True', 'Ready=True', 'Reconciled=True']);
  });

  it('runs a cleanup Job from the CronJob under restricted Pod Security', async () => {
    await kubectl(['create', 'job', 'cleanup-now', '-n', ns.name, '--from=cronjob/orders-cleanup']);
    await eventually(
      'the cleanup Job to succeed',
      async () => {
        const n = await kubectl([
          'get',
          'job',
          'cleanup-now',
          '-n',
          ns.name,
          '-o',
          'jsonpath={.status.succeeded}',
        ]);
        return n.trim() === '1' ? true : undefined;
      },
      90_000,
    );
  });

  it('makes the children follow an edit of the spec, and deletes the optimize CronJob once disabled', async () => {
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      outboxRelay({ relay: { batchSize: 100 }, optimize: { enabled: true } }),
    );
    await eventually('BATCH_SIZE 100 on the Deployment', async () =>
      env(await get('deployment', 'orders-relay')).BATCH_SIZE === '100' ? true : undefined,
    );
    const optimize = await eventually('the optimize CronJob', () => get('cronjob', 'orders-optimize'));
    expect(optimize.spec.schedule).toBe('30 3 * * 0');
    expect(optimize.spec.jobTemplate.spec.template.spec.containers[0].args).toEqual(['optimize']);

    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      outboxRelay({ relay: { batchSize: 100 }, optimize: { enabled: false } }),
    );
    await eventually('the optimize CronJob to be deleted', async () =>
      (await get('cronjob', 'orders-optimize')) ? undefined : true,
    );
    await eventually('observedGeneration 3', async () =>
      (await get('outboxrelay', 'orders'))?.status?.observedGeneration === 3 ? true : undefined,
    );
  });

  it('puts back a child changed or deleted by hand', async () => {
    await kubectl(['scale', 'deployment', 'orders-relay', '-n', ns.name, '--replicas=3']);
    await kubectl(['delete', 'cronjob', 'orders-cleanup', '-n', ns.name]);
    await eventually('replicas back to 1', async () =>
      (await get('deployment', 'orders-relay'))?.spec.replicas === 1 ? true : undefined,
    );
    await eventually('the cleanup CronJob back', () => get('cronjob', 'orders-cleanup'));
  });

  it('rolls the Deployment when a referenced Secret changes', async () => {
    const hash = async () =>
      (await get('deployment', 'orders-relay'))?.spec.template.metadata.annotations[
        'outbox.kafka-relay.dev/secret-hash'
      ];
    const before = await hash();
    expect(before).toMatch(/^[0-9a-f]{16}$/);
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      secret('orders-db', { ...dbData, host: 'db2.example' }),
    );
    await eventually('a new Secret hash on the pod template', async () => {
      const now = await hash();
      return now && now !== before ? now : undefined;
    });
  });

  it('reports a broken Secret as READY False with the reason, and recovers once it is fixed', async () => {
    const { password: _dropped, ...withoutPassword } = dbData;
    await kubectl(['delete', 'secret', 'orders-db', '-n', ns.name]);
    await kubectl(['apply', '-n', ns.name, '-f', '-'], secret('orders-db', withoutPassword));
    await waitReady('False', 'SecretKeyMissing');
    const message = (await get('outboxrelay', 'orders'))?.status?.conditions.find(
      (c: { type: string }) => c.type === 'Ready',
    ).message;
    expect(message).toBe('Secret orders-db has no key password');

    const readyCondition = async () =>
      (await get('outboxrelay', 'orders'))?.status?.conditions.find(
        (c: { type: string }) => c.type === 'Ready',
      );
    const flippedAt = (await readyCondition()).lastTransitionTime;

    await kubectl(['delete', 'secret', 'orders-db', '-n', ns.name]);
    await waitReady('False', 'SecretNotFound');
    // Still False, only the reason changed: the transition time stays.
    expect((await readyCondition()).lastTransitionTime).toBe(flippedAt);

    await kubectl(['apply', '-n', ns.name, '-f', '-'], secret('orders-db', dbData));
    await waitReady('True', 'Ready');
  });

  it('leaves the children alone while paused, still reporting status', async () => {
    const before = await get('deployment', 'orders-relay');
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      outboxRelay({ relay: { batchSize: 42 }, paused: true }),
    );
    await waitReady('True', 'Paused');
    const relay = await get('outboxrelay', 'orders');
    expect(relay?.status?.observedGeneration).toBe(relay?.metadata.generation);
    expect((await get('deployment', 'orders-relay'))?.metadata.generation).toBe(before?.metadata.generation);
    expect(env(await get('deployment', 'orders-relay')).BATCH_SIZE).toBe('100');

    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      outboxRelay({ relay: { batchSize: 42 }, paused: false }),
    );
    await eventually('BATCH_SIZE 42 after unpausing', async () =>
      env(await get('deployment', 'orders-relay')).BATCH_SIZE === '42' ? true : undefined,
    );
    await waitReady('True', 'Ready');
  });

  it('writes no status in a steady state (30 s)', async () => {
    // Let the rollout of the last step settle first.
    await eventually(
      'a settled resource',
      async () => {
        const a = (await get('outboxrelay', 'orders'))?.metadata.resourceVersion;
        await new Promise((r) => setTimeout(r, 5000));
        const b = (await get('outboxrelay', 'orders'))?.metadata.resourceVersion;
        return a === b ? true : undefined;
      },
      90_000,
    );
    const rv = (await get('outboxrelay', 'orders'))?.metadata.resourceVersion;
    const writes = metricValue(await op.metrics(), 'outbox_operator_status_writes_total');
    await new Promise((r) => setTimeout(r, 30_000));
    expect((await get('outboxrelay', 'orders'))?.metadata.resourceVersion).toBe(rv);
    expect(metricValue(await op.metrics(), 'outbox_operator_status_writes_total')).toBe(writes);
  });

  it('records events for changes and failures', async () => {
    const events = JSON.parse(
      await kubectl([
        'get',
        'events.events.k8s.io',
        '-n',
        ns.name,
        '--field-selector',
        'regarding.name=orders',
        '-o',
        'json',
      ]),
    ) as { items: Array<{ reason: string; type: string; note: string }> };
    const reasons = new Set(events.items.map((e) => `${e.type}/${e.reason}`));
    expect(reasons).toEqual(expect.objectContaining({}) && new Set([...reasons]));
    for (const expected of [
      'Normal/Applied',
      'Normal/Deleted',
      'Warning/SecretKeyMissing',
      'Warning/SecretNotFound',
      'Warning/ReadyChanged',
    ]) {
      expect(reasons.has(expected)).toBe(true);
    }
  });

  it('serves metrics: reconciles, errors, the reconcile duration histogram and the queue depth', async () => {
    const text = await op.metrics();
    expect(metricValue(text, 'outbox_operator_reconciles_total', 'result="success"')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE outbox_operator_reconcile_errors_total counter');
    expect(text).toContain('outbox_operator_reconcile_duration_seconds_bucket');
    expect(metricValue(text, 'outbox_operator_workqueue_depth')).toBe(0);
    expect(metricValue(text, 'outbox_operator_leader')).toBe(1);
    const ready = await fetch(`http://127.0.0.1:${op.healthPort}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('never lets a Secret value into logs, events, status, metrics or the children', async () => {
    const events = await kubectl(['get', 'events.events.k8s.io', '-n', ns.name, '-o', 'json']);
    const relay = await kubectl(['get', 'outboxrelay', 'orders', '-n', ns.name, '-o', 'json']);
    const children = await kubectl(['get', 'deployments,cronjobs', '-n', ns.name, '-o', 'json']);
    const places: Array<[string, string]> = [
      ['logs', op.output()],
      ['events', events],
      ['status', relay],
      ['metrics', await op.metrics()],
      ['children', children],
    ];
    for (const [where, text] of places) {
      expect({ where, leaks: text.includes(password) || text.includes(saslPassword) }).toEqual({
        where,
        leaks: false,
      });
    }
    expect(op.output()).toContain('"msg":"applied a child"');
  });

  it('lets the garbage collector remove the children when the OutboxRelay is deleted', async () => {
    await kubectl(['delete', 'outboxrelay', 'orders', '-n', ns.name]);
    await eventually(
      'the children to be collected',
      async () => {
        const names = await kubectl(['get', 'deployments,cronjobs', '-n', ns.name, '-o', 'name']);
        return names.trim() === '' ? true : undefined;
      },
      90_000,
    );
    expect(await kubectlError(['get', 'deployment', 'orders-relay', '-n', ns.name])).toContain('NotFound');
  });
});
