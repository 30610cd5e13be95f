// The relay's report on its own OutboxRelay, on the local API server, PostgreSQL and Kafka: the relay runs
// as a process outside the cluster with a token (TokenRequest API) of the ServiceAccount the operator
// renders, bound to the Role it renders (operator/render/reporter-rbac.ts), applied here exactly as built.
// The report lands in status.databases with the outbox's counts, the oldest pending row's time and the
// held topic; an unchanged report is not written again (the reporter's own count of refreshes that found
// nothing changed moves, the object's resourceVersion does not); the token may patch this OutboxRelay's
// status and nothing else; a clean stop releases the entries; a refused database login leaves a last
// report saying so before the relay exits 2.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseReport } from '../../relay/report/report-types.js';
import { createStatusClient, StatusWriteError } from '../../relay/report/status-client.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { secureExport } from '../support/tls.js';
import { freePort, installCrd, metricValue } from '../support/operator.js';
import {
  outboxRelay,
  reportEnv as reportEnvIn,
  reportingRelay as reportingRelayIn,
  type ReportCredentials as Credentials,
} from '../support/report-credentials.js';
import {
  createTestDb,
  httpGet,
  insertRows,
  relayEnv,
  runCommand,
  spawnRelay,
  type RelayProcess,
  type TestDb,
} from '../support/relay-harness.js';
import {
  createNamespace,
  createTopic,
  eventually,
  kubectl,
  uniqueName,
  type TestDatabase,
  type TestNamespace,
} from '../support/servers.js';

holdKafkaForFile();

interface Live {
  metadata: {
    resourceVersion: string;
    uid: string;
    managedFields?: Array<{ manager: string; operation: string; subresource?: string }>;
  };
  status?: { databases?: DatabaseReport[] };
}

describe('the relay reporting on its OutboxRelay', () => {
  let ns: TestNamespace;
  let database: TestDatabase<object>;
  let db: TestDb;
  let dir: string;
  let relay: RelayProcess | undefined;
  const get = async (name: string) =>
    JSON.parse(await kubectl(['get', 'outboxrelay', name, '-n', ns.name, '-o', 'json'])) as Live;

  const reportingRelay = (name: string) => reportingRelayIn(ns.name, name, dir);
  const reportEnv = (name: string, pod: string, c: Credentials) => reportEnvIn(ns.name, name, pod, c);

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('relay-report');
    ({ database, db } = await createTestDb('postgres', 'relay_report'));
    dir = mkdtempSync(path.join(os.tmpdir(), 'relay-report-'));
  }, 120_000);

  afterAll(async () => {
    if (relay && relay.child.exitCode === null) relay.child.kill('SIGKILL');
    await database?.drop();
    await ns?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports counts, the oldest pending time and a held topic, writes nothing while unchanged, and releases its entries on stop', async () => {
    const credentials = await reportingRelay('orders');
    const flowing = await createTopic('relay-report-flowing');
    const missing = uniqueName('t.relay-report-missing', '.');
    expect((await runCommand(['migrate'], relayEnv(db))).code).toBe(0);
    const before = Date.now();
    await insertRows(
      db,
      [1, 2, 3].map((n) => ({ topic: missing, key: `k${n}` })),
    );
    const after = Date.now();
    await insertRows(db, [
      { topic: flowing, headers: '["not", "an object"]' },
      ...[1, 2, 3, 4, 5].map((n) => ({ topic: flowing, key: `k${n}` })),
    ]);
    const port = await freePort();
    relay = spawnRelay(
      ['run'],
      relayEnv(db, {
        HTTP_PORT: String(port),
        KAFKA_PUBLISH_ATTEMPTS: '1',
        LOG_LEVEL: 'info',
        ...reportEnv('orders', 'orders-relay-pod-1', credentials),
      }),
    );

    const entry = await eventually(
      'the report of three held rows and one errored row',
      async () => {
        const e = (await get('orders')).status?.databases?.find((d) => d.name === db.name);
        return e && e.pending === 3 && e.errored === 1 && e.heldTopics?.length === 1 && e.lastPublishedTime
          ? e
          : undefined;
      },
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${relay?.output().slice(-3000)}`);
    });
    expect(entry).toMatchObject({
      heldTopics: [{ topic: missing, reason: 'TopicMissing' }],
      kafka: { state: 'Available' },
      database: { state: 'Available' },
      reportedBy: 'orders-relay-pod-1',
    });
    const oldest = Date.parse(entry.oldestPendingTime ?? '');
    expect(oldest).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 2000);
    expect(oldest).toBeLessThanOrEqual(after);
    const managers = (
      JSON.parse(
        await kubectl(['get', 'outboxrelay', 'orders', '-n', ns.name, '-o', 'json', '--show-managed-fields']),
      ) as Live
    ).metadata.managedFields;
    expect(managers).toContainEqual(
      expect.objectContaining({
        manager: 'outbox-relay-orders-relay-pod-1',
        operation: 'Apply',
        subresource: 'status',
      }),
    );

    // Nothing changes from here: the reporter's next refreshes find the same report and write nothing.
    const metrics = async () => (await httpGet(port, '/metrics')).body;
    const count = async (outcome: string) =>
      metricValue(await metrics(), 'outbox_relay_status_reports_total', `outcome="${outcome}"`) ?? 0;
    const version = (await get('orders')).metadata.resourceVersion;
    const written = await count('written');
    const unchanged = await count('unchanged');
    await eventually(
      'two refreshes that found the report unchanged',
      async () => ((await count('unchanged')) >= unchanged + 2 ? true : undefined),
      30_000,
    );
    expect(await count('written')).toBe(written);
    expect((await get('orders')).metadata.resourceVersion).toBe(version);

    relay.child.kill('SIGTERM');
    expect((await relay.exited).code).toBe(0);
    expect((await get('orders')).status?.databases ?? []).toEqual([]);
  }, 180_000);

  it('gives the token the right to patch this OutboxRelay’s status and nothing else', async () => {
    const credentials = await reportingRelay('least');
    await kubectl(['apply', '-n', ns.name, '-f', '-'], outboxRelay('another'));
    const client = (name: string) =>
      createStatusClient({
        apiUrl: credentials.server,
        tokenFile: credentials.tokenFile,
        caFile: credentials.caFile,
        namespace: ns.name,
        name,
        podName: 'least-pod',
      });
    const healthy: DatabaseReport = {
      name: 'orders',
      pending: 0,
      errored: 0,
      heldTopics: [],
      kafka: { state: 'Available', message: 'reachable' },
      database: { state: 'Available', message: 'reachable' },
      reportedBy: 'least-pod',
    };
    await client('least').apply([healthy]);
    expect((await get('least')).status?.databases).toEqual([healthy]);

    const refused = (await client('another')
      .apply([healthy])
      .catch((e: unknown) => e)) as StatusWriteError;
    expect(refused).toBeInstanceOf(StatusWriteError);
    expect(refused.statusCode).toBe(403);
    expect(refused.message).not.toContain(readFileSync(credentials.tokenFile, 'utf8'));

    const asReporter = (args: string[]) =>
      kubectl(['--kubeconfig', credentials.kubeconfig, ...args]).then(
        () => 'allowed',
        (e: { output?: string }) => e.output ?? String(e),
      );
    expect(await asReporter(['get', 'secrets', '-n', ns.name])).toContain('Forbidden');
    expect(await asReporter(['get', 'secret', 'least-db', '-n', ns.name])).toContain('Forbidden');
    expect(
      await asReporter([
        'patch',
        'outboxrelay',
        'least',
        '-n',
        ns.name,
        '--type=merge',
        '-p',
        '{"spec":{"paused":true}}',
      ]),
    ).toContain('Forbidden');
  }, 120_000);

  it('leaves a last report naming a refused database login before it exits 2', async () => {
    const credentials = await reportingRelay('refused');
    const p = spawnRelay(
      ['run'],
      relayEnv(db, {
        DB_PASS: 'not-the-password',
        LOG_LEVEL: 'info',
        ...reportEnv('refused', 'refused-pod', credentials),
      }),
    );
    const { code } = await p.exited;
    expect({ code, output: code === 2 ? '' : p.output().slice(-3000) }).toEqual({ code: 2, output: '' });
    const [entry] = (await get('refused')).status?.databases ?? [];
    expect(entry).toMatchObject({
      name: db.name,
      database: { state: 'Unavailable' },
      reportedBy: 'refused-pod',
    });
    expect(entry?.database.message).toContain('DB_PASS');
    expect(entry?.database.message).not.toContain('not-the-password');
    // The relay never got to Kafka: reporting it unavailable would give the operator the wrong reason.
    expect(entry?.kafka.state).toBe('Available');
  }, 120_000);

  it('leaves a last report naming a refused Kafka login before it exits 2', async () => {
    const credentials = await reportingRelay('kafka-refused');
    const wrong = 'not-the-sasl-password-81c3';
    const p = spawnRelay(
      ['run'],
      relayEnv(db, {
        KAFKA_HOST: secureExport('KAFKA_SASL_SSL_BROKERS'),
        TLS_ENABLE: 'true',
        KAFKA_TLS_CA_FILE: secureExport('DEVENV_TLS_CA_FILE'),
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: secureExport('KAFKA_SCRAM_USERNAME'),
        KAFKA_SASL_PASSWORD: wrong,
        LOG_LEVEL: 'info',
        ...reportEnv('kafka-refused', 'kafka-refused-pod', credentials),
      }),
    );
    const { code } = await p.exited;
    expect({ code, output: code === 2 ? '' : p.output().slice(-3000) }).toEqual({ code: 2, output: '' });
    const [entry] = (await get('kafka-refused')).status?.databases ?? [];
    expect(entry).toMatchObject({
      name: db.name,
      kafka: { state: 'Unauthorized' },
      database: { state: 'Available' },
      reportedBy: 'kafka-refused-pod',
    });
    expect(entry?.kafka.message).toContain('KAFKA_SASL_PASSWORD');
    expect(JSON.stringify(entry)).not.toContain(wrong);
  }, 120_000);
});
