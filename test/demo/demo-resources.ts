// What the demo application owns: its PostgreSQL database, and the Secret and OutboxRelay it applies.
import pg from 'pg';
import { NODE_SELECTOR, NODE_TOLERATION, podAddresses } from '../support/real-node.js';
import type { DemoOptions } from './run-demo.js';

export async function ensureDatabase(database: string): Promise<pg.ClientConfig> {
  const base = {
    host: process.env.PGHOST,
    port: Number(process.env.PGPORT),
    user: process.env.PGUSER,
    password: process.env.PGPASSWORD,
  };
  const admin = new pg.Client({ ...base, database: process.env.PGDATABASE });
  await admin.connect();
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  return { ...base, database };
}

export function outboxRelay(o: Pick<DemoOptions, 'namespace' | 'database'>): unknown[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'orders-db', namespace: o.namespace },
      // The relay pod reaches PostgreSQL at the bridge's gateway, on the same port.
      stringData: {
        host: podAddresses().host,
        port: process.env.PGPORT,
        username: process.env.PGUSER,
        password: process.env.PGPASSWORD,
        database: o.database,
      },
    },
    {
      apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
      kind: 'OutboxRelay',
      metadata: { name: 'orders', namespace: o.namespace },
      spec: {
        database: { driver: 'postgres', secretRef: { name: 'orders-db' }, table: 'kafka_outbox' },
        kafka: { brokers: podAddresses().kafka, partitioner: 'murmur2' },
        relay: {
          batchSize: 250,
          pollInterval: '500ms',
          nodeSelector: NODE_SELECTOR,
          tolerations: [NODE_TOLERATION],
        },
        cleanup: { enabled: true, schedule: '0 * * * *', retention: '1h' },
      },
    },
  ];
}
