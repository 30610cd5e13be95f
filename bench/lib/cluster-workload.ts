// The throughput benchmark's workload on a user's cluster (cluster-target.ts): the given table, created by
// `outbox-relay migrate` in the given database, and the given topic, both refused if they exist already and
// both removed at the end. The database's statistics are not read (they need rights a user's account
// rarely has: pg_stat_statements, MariaDB's global userstat), so the database cost is not reported there.
import type { Kafka } from 'kafkajs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { loadConfig } from '../../relay/config/config.js';
import { SETTINGS } from '../../relay/config/definitions.js';
import { tableNames } from '../../relay/db/identifiers.js';
import { createKafka } from '../../relay/kafka/client.js';
import { createLogger } from '../../relay/logger.js';
import type { ClusterTarget } from './cluster-target.js';
import type { StatsSource } from './db-stats.js';
import { mysqlWorkload, postgresWorkload, type Workload } from './outbox.js';
import { runRelayCommand, type RelayFrom } from './relay-process.js';

const NO_STATS: StatsSource = { snapshot: () => Promise.resolve({}), close: () => Promise.resolve() };

/** The relay's settings present in this process's environment (Kafka and database TLS, SASL), passed on. */
export function relaySettingsFromEnv(
  env: NodeJS.ProcessEnv,
  except: readonly string[],
): Record<string, string> {
  const names = SETTINGS.map((s) => s.name).filter((n) => !except.includes(n));
  return Object.fromEntries(names.flatMap((n) => (env[n] === undefined ? [] : [[n, env[n]!]])));
}

/** kafkajs clients built as the relay builds its own, so that the relay's TLS and SASL settings apply. */
export function relayKafka(relayEnv: Record<string, string>): Kafka {
  const config = loadConfig({ ...relayEnv, LOG_LEVEL: 'error' });
  return createKafka(config.kafka, createLogger({ level: 'error' }));
}

async function tableExists(t: ClusterTarget): Promise<boolean> {
  const db = t.database;
  if (t.driver === 'postgres') {
    const c = new pg.Client({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.name,
    });
    await c.connect();
    try {
      return (
        (await c.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [t.table])).rows[0]!.r !== null
      );
    } finally {
      await c.end();
    }
  }
  const c = await mysql.createConnection({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.name,
  });
  try {
    const [rows] = await c.query<mysql.RowDataPacket[]>(
      'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [db.name, t.table],
    );
    return rows.length > 0;
  } finally {
    await c.end();
  }
}

async function dropTables(t: ClusterTarget): Promise<void> {
  const names = tableNames(t.table);
  const db = t.database;
  if (t.driver === 'postgres') {
    const c = new pg.Client({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.name,
    });
    await c.connect();
    try {
      await c.query(
        `DROP TABLE IF EXISTS "${names.table}", "${names.migrations}", "${names.shares}", "${names.members}", "${names.meta}"`,
      );
      await c.query(`DROP FUNCTION IF EXISTS "${names.notifyFunction}"() CASCADE`);
    } finally {
      await c.end();
    }
    return;
  }
  const c = await mysql.createConnection({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.name,
  });
  try {
    await c.query(
      `DROP TABLE IF EXISTS \`${names.table}\`, \`${names.migrations}\`, \`${names.shares}\`, \`${names.members}\`, \`${names.meta}\``,
    );
  } finally {
    await c.end();
  }
}

export async function clusterWorkload(
  t: ClusterTarget,
  relayFrom: RelayFrom,
  settings: Record<string, string>,
  partitions: number,
): Promise<Workload> {
  const db = t.database;
  const relayEnv = {
    ...relaySettingsFromEnv(process.env, ['HTTP_PORT']),
    DB_DRIVER: t.driver,
    DB_HOST: db.host,
    DB_PORT: String(db.port),
    DB_USER: db.user,
    DB_PASS: db.password,
    DB_NAME: db.name,
    OUTBOX_TABLE: t.table,
    KAFKA_HOST: t.brokers.join(','),
    LOG_LEVEL: 'info',
    ...settings,
  };
  if (await tableExists(t))
    throw new Error(`--table: ${t.table} exists already in ${db.name}; name a new one`);
  const admin = relayKafka(relayEnv).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic: t.topic, numPartitions: partitions }],
      waitForLeaders: true,
    });
    if (!created) throw new Error(`--topic: ${t.topic} exists already; name a new one`);
  } finally {
    await admin.disconnect();
  }
  const removeTopic = async () => {
    const a = relayKafka(relayEnv).admin();
    await a.connect();
    await a.deleteTopics({ topics: [t.topic] }).finally(() => a.disconnect());
  };
  try {
    await runRelayCommand(relayFrom, ['migrate'], relayEnv);
  } catch (error) {
    await removeTopic().catch(() => undefined);
    await dropTables(t).catch(() => undefined);
    throw error;
  }
  const given = { name: db.name, drop: () => dropTables(t) };
  const workload =
    t.driver === 'postgres'
      ? postgresWorkload(
          {
            ...given,
            config: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
          },
          t.topic,
          relayEnv,
          4,
          t.table,
          NO_STATS,
        )
      : mysqlWorkload(
          {
            ...given,
            config: { host: db.host, port: db.port, user: db.user, password: db.password, database: db.name },
          },
          undefined,
          t.topic,
          relayEnv,
          4,
          NO_STATS,
          t.table,
        );
  return {
    ...workload,
    async remove() {
      await workload.endWriters();
      await dropTables(t);
      await removeTopic();
    },
  };
}
