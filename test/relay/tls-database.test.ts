// The relay against PostgreSQL and MariaDB over TLS (tools/devenv/postgres.ts, mariadb.ts): verify-full with
// the devenv CA for a user the server admits over TLS only, and a client certificate for a user that must
// present one. Each mistake (no client certificate or one of another CA, a CA that did not sign the
// server's certificate, a host name the certificate does not carry) stops the relay with exit status 2
// and a message naming the setting. Each test has its own database and topic; Kafka is reached in plain.
import dns from 'node:dns';
import { createStore } from '../../relay/db/create-store.js';
import { ConfigError } from '../../relay/errors.js';
import { createLogger } from '../../relay/logger.js';
import { readCertificates } from '../../relay/config/files.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { pgQuery, relayEnv, type Driver, type TestDb } from '../support/relay-harness.js';
import { createTopic, type TestDatabase } from '../support/servers.js';
import {
  configurationError,
  createSecureTestDb,
  publishThrough,
  secureExport,
  strangerPki,
  UNNAMED_ADDRESS,
  unnamedProxy,
  type SecureUser,
  type Stranger,
} from '../support/tls.js';

holdKafkaForFile();

describe.each(['postgres', 'mysql'] as const)('the relay on %s over TLS', (driver: Driver) => {
  const databases: TestDatabase<object>[] = [];
  let stranger: Stranger;
  // mysql2 checks a certificate against a host name only (config/security.ts): reach MariaDB by name.
  const host = driver === 'mysql' ? 'localhost' : '127.0.0.1';

  beforeAll(async () => {
    stranger = await strangerPki();
  });
  afterAll(async () => {
    stranger?.remove();
    await Promise.all(databases.map((d) => d.drop()));
  });

  async function secureDb(prefix: string, who: SecureUser): Promise<{ db: TestDb; admin: TestDb }> {
    const { database, db, admin } = await createSecureTestDb(driver, `${driver}_${prefix}`, who);
    databases.push(database);
    return { db: { ...db, host }, admin };
  }

  const verifyFull = (extra: Record<string, string> = {}) => ({
    DB_TLS_MODE: 'verify-full',
    DB_TLS_CA_FILE: secureExport('DEVENV_TLS_CA_FILE'),
    ...extra,
  });
  const clientCertificate = {
    DB_TLS_CERT_FILE: secureExport('DEVENV_TLS_CLIENT_CERT_FILE'),
    DB_TLS_KEY_FILE: secureExport('DEVENV_TLS_CLIENT_KEY_FILE'),
  };

  it('publishes with verify-full and the devenv CA, as a user the server admits over TLS only', async () => {
    const { db, admin } = await secureDb('tls_full', 'tls');
    const topic = await createTopic(`${driver}-tls-full`);
    // On PostgreSQL, the server's own view of the relay's sessions: every one of them is encrypted.
    const encrypted = async () => {
      if (driver !== 'postgres') return;
      const rows = await pgQuery<{ ssl: boolean }>(
        admin,
        `select s.ssl from pg_stat_ssl s join pg_stat_activity a using (pid)
          where a.application_name = 'kafka-outbox-relay' and a.datname = $1`,
        [admin.name],
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.ssl)).toBe(true);
    };
    expect(await publishThrough(relayEnv(db, verifyFull()), { admin, topic, during: encrypted })).toBe(0);
  });

  it('publishes as the user that must present a client certificate, with verify-full', async () => {
    const { db, admin } = await secureDb('cert', 'cert');
    const topic = await createTopic(`${driver}-cert`);
    expect(await publishThrough(relayEnv(db, verifyFull(clientCertificate)), { admin, topic })).toBe(0);
  });

  it('stops naming the setting when that user has no client certificate', async () => {
    const { db } = await secureDb('cert_none', 'cert');
    const output = await configurationError(relayEnv(db, verifyFull()));
    // PostgreSQL says what is missing; MySQL answers "access denied" as for a wrong password.
    if (driver === 'postgres') {
      expect(output).toMatch(
        /outbox-relay: DB_TLS_CERT_FILE: the postgres server [\d.:]+ requires a valid client certificate/,
      );
    } else {
      expect(output).toMatch(
        /outbox-relay: DB_PASS: the mysql server .* \(or the account requires TLS or a client certificate: DB_TLS_MODE, DB_TLS_CERT_FILE\)/,
      );
    }
    if (db.password !== '') expect(output).not.toContain(db.password);
  });

  it('stops naming DB_TLS_CERT_FILE and its path when the client certificate is of another CA', async () => {
    const { db } = await secureDb('cert_stranger', 'cert');
    const env = relayEnv(db, verifyFull({ DB_TLS_CERT_FILE: stranger.cert, DB_TLS_KEY_FILE: stranger.key }));
    const output = await configurationError(env);
    expect(output).toContain(
      `outbox-relay: DB_TLS_CERT_FILE: the ${driver} server ${host}:${db.port} refused the client certificate of ${stranger.cert}`,
    );
  });

  it("stops naming DB_TLS_CA_FILE when that CA did not sign the server's certificate", async () => {
    const { db } = await secureDb('wrong_ca', 'tls');
    const output = await configurationError(relayEnv(db, verifyFull({ DB_TLS_CA_FILE: stranger.ca })));
    expect(output).toContain(
      `outbox-relay: DB_TLS_CA_FILE: the certificate of the ${driver} server ${host}:${db.port} is not signed by a CA of ${stranger.ca}`,
    );
  });

  if (driver === 'postgres') {
    it('stops naming DB_HOST with verify-full at an address the certificate does not name; verify-ca takes it', async () => {
      const { db, admin } = await secureDb('host', 'tls');
      const proxy = await unnamedProxy(`${db.host}:${db.port}`);
      try {
        const elsewhere = { ...db, host: UNNAMED_ADDRESS, port: proxy.port };
        const output = await configurationError(relayEnv(elsewhere, verifyFull()));
        expect(output).toMatch(
          /outbox-relay: DB_HOST: the certificate of the postgres server 127\.0\.0\.2:\d+ does not name 127\.0\.0\.2/,
        );
        const topic = await createTopic('postgres-verify-ca');
        const verifyCa = relayEnv(elsewhere, verifyFull({ DB_TLS_MODE: 'verify-ca' }));
        expect(await publishThrough(verifyCa, { admin, topic })).toBe(0);
      } finally {
        await proxy.close();
      }
    });
  } else {
    it('refuses verify-full to an IP address at start, naming DB_TLS_MODE (mysql2 cannot check one)', async () => {
      const { db } = await secureDb('ip', 'tls');
      const output = await configurationError(relayEnv({ ...db, host: '127.0.0.1' }, verifyFull()));
      expect(output).toContain(
        'outbox-relay: DB_TLS_MODE: verify-full on mysql needs DB_HOST to be a host name',
      );
    });

    it('fails naming DB_HOST with verify-full at a host name the certificate does not carry', async () => {
      const { db } = await secureDb('host', 'tls');
      // A name of this machine outside the certificate: resolved here, for this test only.
      const unnamed = 'mariadb.not-in-the-certificate.test';
      const lookup = dns.lookup;
      const patched = ((name: string, ...rest: unknown[]) =>
        (lookup as (...args: unknown[]) => void)(
          name === unnamed ? '127.0.0.1' : name,
          ...rest,
        )) as typeof dns.lookup;
      dns.lookup = patched;
      const store = await createStore(
        {
          driver,
          host: unnamed,
          port: db.port,
          user: db.user,
          password: db.password,
          database: db.name,
          table: 'kafka_outbox',
          tls: {
            mode: 'verify-full',
            ca: readCertificates('DB_TLS_CA_FILE', secureExport('DEVENV_TLS_CA_FILE')),
          },
          poolSize: 1,
        },
        createLogger({ level: 'silent' }),
      );
      try {
        const error = await store.ping().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).field).toBe('DB_HOST');
        expect((error as ConfigError).message).toContain(`does not name ${unnamed}`);
      } finally {
        dns.lookup = lookup;
        await store.close();
      }
    });
  }
});
