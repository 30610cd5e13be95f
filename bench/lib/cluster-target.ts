// The throughput benchmark against a user's own cluster: `--brokers=host:port,... --database-url=URL`
// instead of the local servers. It creates the given topic and table (refusing either if it exists already,
// so that nothing of the user's is ever written to or dropped), writes the benchmark's rows to them, and
// drops both at the end; it runs only with --yes. The relay's own Kafka security settings (TLS_ENABLE,
// KAFKA_SASL_*, KAFKA_TLS_*: relay/config) are read from the environment as the relay reads them, and the
// broker limit's Java producer takes a client properties file (--kafka-properties).
import type { Flags } from './flags.js';
import { stringFlag } from './flags.js';
import type { Driver } from './outbox.js';

export interface ClusterTarget {
  brokers: string[];
  driver: Driver;
  /** The database's connection settings from the URL (the password kept apart from what is printed). */
  database: { host: string; port: number; user: string; password: string; name: string };
  table: string;
  topic: string;
  /** A Java client properties file for Kafka's producer performance tool (TLS, SASL). */
  kafkaProperties?: string;
}

export const CLUSTER_WARNING =
  "This benchmark CREATES the topic and the table named below on the given cluster, WRITES the benchmark's " +
  'rows and messages to them, and DROPS both at the end (it refuses a topic or a table that exists already). ' +
  'It loads the brokers and the database at full speed for a few minutes. Run it with --yes to go ahead.';

const DRIVER_OF_SCHEME: Record<string, Driver> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
};

/** The cluster named by --brokers and --database-url, or undefined for the local servers. */
export function clusterTarget(flags: Flags): ClusterTarget | undefined {
  const brokers = flags.get('brokers');
  const url = flags.get('database-url');
  if (brokers === undefined && url === undefined) return undefined;
  if (brokers === undefined || url === undefined) {
    throw new Error('--brokers and --database-url go together: give both to benchmark your own cluster');
  }
  const list = brokers.split(',').map((b) => b.trim());
  for (const b of list) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new Error(`--brokers: "${b}" is not host:port`);
  }
  const table = stringFlag(flags, 'table', 'kafka_outbox_bench');
  if (!/^[a-z_][a-z0-9_]{0,39}$/.test(table)) {
    throw new Error(`--table: "${table}" must be lower-case letters, digits and _ (at most 40)`);
  }
  const topic = stringFlag(flags, 'topic', 'outbox-relay-bench');
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic))
    throw new Error(`--topic: "${topic}" is not a valid topic name`);
  const kafkaProperties = flags.get('kafka-properties');
  return {
    brokers: list,
    ...databaseFromUrl(url),
    table,
    topic,
    ...(kafkaProperties ? { kafkaProperties } : {}),
  };
}

/** The driver and connection settings of a postgres:// or mysql:// URL; errors never repeat the URL. */
export function databaseFromUrl(text: string): Pick<ClusterTarget, 'driver' | 'database'> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      '--database-url is not a URL (postgres://user:password@host:port/database or mysql://...)',
    );
  }
  const driver = DRIVER_OF_SCHEME[url.protocol];
  if (!driver) {
    throw new Error(
      `--database-url: the scheme must be postgres:, postgresql:, mysql: or mariadb:, not ${url.protocol}`,
    );
  }
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (name === '' || name.includes('/')) throw new Error('--database-url must name one database (its path)');
  if (url.username === '') throw new Error('--database-url must name a user (user:password@host)');
  return {
    driver,
    database: {
      host: url.hostname,
      port: url.port ? Number(url.port) : driver === 'postgres' ? 5432 : 3306,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      name,
    },
  };
}

/** What the run will do, for the warning (no password). */
export function describeTarget(t: ClusterTarget): string {
  const db = t.database;
  return [
    `  brokers:  ${t.brokers.join(', ')}`,
    `  topic:    ${t.topic} (created, written, deleted)`,
    `  database: ${t.driver} ${db.user}@${db.host}:${db.port}/${db.name}`,
    `  table:    ${t.table} and the relay's tables beside it (${t.table}_relay_migrations; created, written, dropped)`,
  ].join('\n');
}

/** A command line with the password of its --database-url replaced, for the results files. */
export function redactDatabaseUrl(command: string): string {
  return command.replace(/(--database-url[= ]\S*?:\/\/[^:@/\s]*:)[^@\s]*@/g, '$1***@');
}
