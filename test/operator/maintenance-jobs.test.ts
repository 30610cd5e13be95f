// The cheap guard for the maintenance CronJobs: each CronJob the operator renders is run the way its pod
// would run it (the image's entrypoint with the container's args, the environment with every secretKeyRef
// resolved from the Secret and the Secret volumes' files written with their modes, nothing else), against
// the local servers. It must exit 0 and do its work:
// cleanup deletes the old published rows, optimize has the server VACUUM / rebuild the table. A job's
// environment that lacks what the relay needs for that command fails here, not in a user's cluster.
import type { OutboxRelay } from '../../operator/api/types.js';
import { desiredChildren } from '../../operator/render/children.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EnvVar } from '../demo/resolve-env.js';
import { resolveContainer, type PodVolume } from '../demo/resolve-files.js';
import {
  createTestDb,
  dbQuery,
  insertRows,
  outboxState,
  relayEnv,
  runCommand,
  type TestDb,
} from '../support/relay-harness.js';
import type { TestDatabase } from '../support/servers.js';

const SECRET = 'orders-db';

function outboxRelay(db: TestDb): OutboxRelay {
  return {
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: {
      name: 'orders',
      namespace: 'shop',
      uid: '0c5e1b7e-0000-4000-8000-000000000002',
      generation: 1,
    },
    spec: {
      database: { driver: db.driver, secretRef: { name: SECRET }, table: 'kafka_outbox' },
      kafka: { brokers: ['kafka-0.kafka:9092'] },
      cleanup: { enabled: true, schedule: '0 * * * *', retention: '1h' },
      optimize: { enabled: true, schedule: '30 3 * * 0' },
    },
  };
}

interface JobContainer {
  args: string[];
  env: EnvVar[];
  volumeMounts: Array<{ name: string; mountPath: string }>;
  /** The pod's volumes (the Secret files the container mounts). */
  volumes: PodVolume[];
}

/** The one container of the CronJob rendered for `component`, with its pod's volumes. */
function jobContainer(relay: OutboxRelay, component: 'cleanup' | 'optimize'): JobContainer {
  const child = desiredChildren(relay, { relayImage: 'kafka-outbox-relay/relay:test' }, 'hash').find(
    (c) => c.kind.component === component,
  );
  type PodSpec = { containers: JobContainer[]; volumes?: PodVolume[] };
  const spec = child?.object?.spec as { jobTemplate: { spec: { template: { spec: PodSpec } } } } | undefined;
  const pod = spec?.jobTemplate.spec.template.spec;
  const containers = pod?.containers ?? [];
  if (containers.length !== 1)
    throw new Error(`the ${component} CronJob has ${containers.length} containers`);
  return { ...containers[0]!, volumes: pod?.volumes ?? [] };
}

/** Runs the container as its pod would: only the environment the kubelet would give it. */
async function runJob(db: TestDb, container: JobContainer): Promise<{ code: number | null; output: string }> {
  const secret = {
    host: db.host,
    port: String(db.port),
    username: db.user,
    password: db.password,
    database: db.name,
  };
  const files = mkdtempSync(path.join(tmpdir(), 'maintenance-job-'));
  try {
    const env = resolveContainer(container, container.volumes, { [SECRET]: secret }, files);
    return await runCommand(container.args, env);
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
}

/** Proof from the server that the table was vacuumed (PostgreSQL) or rebuilt (MySQL, MariaDB). */
async function maintenanceMark(db: TestDb): Promise<string> {
  if (db.driver === 'postgres') {
    const rows = await dbQuery(
      db,
      `select vacuum_count from pg_stat_user_tables where relname = 'kafka_outbox'`,
    );
    return String(rows[0]?.vacuum_count);
  }
  // OPTIMIZE TABLE on InnoDB rebuilds the table, which gives it a new table id. MariaDB names the view
  // INNODB_SYS_TABLES, MySQL 8 INNODB_TABLES.
  const name = `${db.name}/kafka_outbox`;
  const rows = await dbQuery(
    db,
    `SELECT TABLE_ID AS id FROM information_schema.INNODB_SYS_TABLES WHERE NAME = ?`,
    [name],
  ).catch(() =>
    dbQuery(db, `SELECT TABLE_ID AS id FROM information_schema.INNODB_TABLES WHERE NAME = ?`, [name]),
  );
  return String(rows[0]?.id);
}

describe.each(['postgres', 'mysql'] as const)('the maintenance CronJobs as rendered, on %s', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'maintenance_jobs'));
    // The Deployment's relay migrates; the jobs run with SKIP_MIGRATIONS.
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('cleanup exits 0 with no Kafka setting and deletes only the published rows older than the retention', async () => {
    const container = jobContainer(outboxRelay(db), 'cleanup');
    expect(container.env.map((e) => e.name)).not.toContain('KAFKA_HOST');
    // The password arrives as a mounted file, not as an environment value.
    expect(container.env.map((e) => e.name)).toContain('DB_PASS_FILE');
    expect(container.env.map((e) => e.name)).not.toContain('DB_PASS');
    const [old, recent, pending] = await insertRows(db, [{ topic: 't' }, { topic: 't' }, { topic: 't' }]);
    const ago = driver === 'postgres' ? "now() - interval '2 hours'" : 'NOW() - INTERVAL 2 HOUR';
    await dbQuery(db, `UPDATE kafka_outbox SET push_completed_at = ${ago} WHERE id = ${old}`);
    await dbQuery(db, `UPDATE kafka_outbox SET push_completed_at = NOW() WHERE id = ${recent}`);

    const result = await runJob(db, container);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(`${db.name}: deleted 1 published rows`);
    expect(result.output).not.toContain(db.password);
    expect((await outboxState(db)).map((r) => r.id)).toEqual([recent, pending]);
  });

  it('optimize exits 0 with no Kafka setting, and the server has vacuumed or rebuilt the table', async () => {
    const container = jobContainer(outboxRelay(db), 'optimize');
    expect(container.env.map((e) => e.name)).not.toContain('KAFKA_HOST');
    const before = await maintenanceMark(db);
    expect(before).not.toBe('undefined');

    const result = await runJob(db, container);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(`${db.name}: optimized kafka_outbox`);
    const after = await maintenanceMark(db);
    expect(after).not.toBe('undefined');
    expect(after).not.toBe(before);
  });
});
