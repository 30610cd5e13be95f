// The relay against the local Kafka's secure listeners (tools/devenv/kafka-security.ts): SSL verified with
// the devenv CA, SASL_SSL with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN, and SSL with a required client
// certificate. Each mistake a user can make (a CA that did not sign the broker's certificate, an address the
// certificate does not name, a wrong password, no client certificate or one of another CA) stops the relay
// with exit status 2 and a message naming the setting, without touching a row: never an endless retry.
// Each test has its own database and topic; the database is reached without TLS.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import {
  createTestDb,
  insertRows,
  outboxState,
  relayEnv,
  runCommand,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, type TestDatabase } from '../support/servers.js';
import {
  configurationError,
  publishThrough,
  secureExport,
  strangerPki,
  UNNAMED_ADDRESS,
  unnamedProxy,
  type Stranger,
} from '../support/tls.js';

holdKafkaForFile();

describe('the relay on Kafka listeners that require TLS and credentials', () => {
  const databases: TestDatabase<object>[] = [];
  let stranger: Stranger;

  beforeAll(async () => {
    stranger = await strangerPki();
  });
  afterAll(async () => {
    stranger?.remove();
    await Promise.all(databases.map((d) => d.drop()));
  });

  async function testDb(prefix: string): Promise<TestDb> {
    const { database, db } = await createTestDb('postgres', prefix);
    databases.push(database);
    return db;
  }

  /** A test database with its table made and one row waiting for `topic`. */
  async function withWaitingRow(prefix: string, topic: string): Promise<TestDb> {
    const db = await testDb(prefix);
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    await insertRows(db, [{ topic, key: 'k' }]);
    return db;
  }

  /** The row is still waiting: not published, not errored, no attempt counted. */
  async function untouched(db: TestDb): Promise<void> {
    expect(await outboxState(db)).toEqual([
      expect.objectContaining({ published: false, errored: false, attempts: 0 }),
    ]);
  }

  const ca = () => secureExport('DEVENV_TLS_CA_FILE');
  const ssl = (extra: Record<string, string>) => ({
    KAFKA_HOST: secureExport('KAFKA_SSL_BROKERS'),
    TLS_ENABLE: 'true',
    KAFKA_TLS_CA_FILE: ca(),
    ...extra,
  });

  it("publishes over SSL, verifying the broker's certificate with the devenv CA", async () => {
    const db = await testDb('kafka_ssl');
    const topic = await createTopic('kafka-ssl');
    expect(await publishThrough(relayEnv(db, ssl({})), { admin: db, topic })).toBe(0);
  });

  it('stops naming KAFKA_TLS_CA_FILE when that CA did not sign the broker certificate, rows untouched', async () => {
    const topic = await createTopic('kafka-wrong-ca');
    const db = await withWaitingRow('kafka_wrong_ca', topic);
    const output = await configurationError(relayEnv(db, ssl({ KAFKA_TLS_CA_FILE: stranger.ca })));
    expect(output).toContain(
      `outbox-relay: KAFKA_TLS_CA_FILE: the certificate of broker ${secureExport('KAFKA_SSL_BROKERS')} is not signed by a CA of ${stranger.ca}`,
    );
    await untouched(db);
  });

  it('stops naming KAFKA_HOST when the address dialled is not in the certificate, even with an empty outbox', async () => {
    const db = await testDb('kafka_host');
    const proxy = await unnamedProxy(secureExport('KAFKA_SSL_BROKERS'));
    try {
      const output = await configurationError(
        relayEnv(db, ssl({ KAFKA_HOST: `${UNNAMED_ADDRESS}:${proxy.port}` })),
      );
      expect(output).toMatch(
        /outbox-relay: KAFKA_HOST: the certificate of broker 127\.0\.0\.2:\d+ does not name the host dialled/,
      );
      expect(output).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      await proxy.close();
    }
  });

  it.each([
    ['scram-sha-512', 'SCRAM'],
    ['scram-sha-256', 'SCRAM'],
    ['plain', 'PLAIN'],
  ])('publishes over SASL_SSL with %s', async (mechanism, user) => {
    const db = await testDb(`kafka_${mechanism.replace(/-/g, '_')}`);
    const topic = await createTopic(`kafka-${mechanism}`);
    const env = relayEnv(db, {
      ...ssl({ KAFKA_HOST: secureExport('KAFKA_SASL_SSL_BROKERS') }),
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: secureExport(`KAFKA_${user}_USERNAME`),
      KAFKA_SASL_PASSWORD: secureExport(`KAFKA_${user}_PASSWORD`),
    });
    expect(await publishThrough(env, { admin: db, topic })).toBe(0);
  });

  it("publishes with SCRAM-SHA-512 whose password is a mounted file, as a Strimzi KafkaUser's Secret", async () => {
    const db = await testDb('kafka_scram_file');
    const topic = await createTopic('kafka-scram-file');
    const file = path.join(path.dirname(stranger.ca), 'password');
    writeFileSync(file, secureExport('KAFKA_SCRAM_PASSWORD'), { mode: 0o600 });
    const env = relayEnv(db, {
      ...ssl({ KAFKA_HOST: secureExport('KAFKA_SASL_SSL_BROKERS') }),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: secureExport('KAFKA_SCRAM_USERNAME'),
      KAFKA_SASL_PASSWORD_FILE: file,
    });
    expect(await publishThrough(env, { admin: db, topic })).toBe(0);
  });

  it('stops naming KAFKA_SASL_PASSWORD on a wrong SCRAM password, never printing it, rows untouched', async () => {
    const topic = await createTopic('kafka-scram-wrong');
    const db = await withWaitingRow('kafka_scram_wrong', topic);
    const wrong = 'not-the-password-5d2e';
    const output = await configurationError(
      relayEnv(db, {
        ...ssl({ KAFKA_HOST: secureExport('KAFKA_SASL_SSL_BROKERS') }),
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: secureExport('KAFKA_SCRAM_USERNAME'),
        KAFKA_SASL_PASSWORD: wrong,
        LOG_LEVEL: 'debug',
      }),
    );
    expect(output).toContain(
      `outbox-relay: KAFKA_SASL_PASSWORD: the broker (of ${secureExport('KAFKA_SASL_SSL_BROKERS')}) refused the SASL scram-sha-512 login of user "${secureExport('KAFKA_SCRAM_USERNAME')}"`,
    );
    expect(output).not.toContain(wrong);
    await untouched(db);
  });

  it('publishes with a client certificate where the listener requires one', async () => {
    const db = await testDb('kafka_mtls');
    const topic = await createTopic('kafka-mtls');
    const env = relayEnv(db, {
      ...ssl({ KAFKA_HOST: secureExport('KAFKA_MTLS_BROKERS') }),
      KAFKA_TLS_CERT_FILE: secureExport('DEVENV_TLS_CLIENT_CERT_FILE'),
      KAFKA_TLS_KEY_FILE: secureExport('DEVENV_TLS_CLIENT_KEY_FILE'),
    });
    expect(await publishThrough(env, { admin: db, topic })).toBe(0);
  });

  it('stops naming KAFKA_TLS_CERT_FILE when the listener requires a client certificate and none is set', async () => {
    const topic = await createTopic('kafka-mtls-none');
    const db = await withWaitingRow('kafka_mtls_none', topic);
    const output = await configurationError(
      relayEnv(db, ssl({ KAFKA_HOST: secureExport('KAFKA_MTLS_BROKERS') })),
    );
    expect(output).toMatch(
      /outbox-relay: KAFKA_TLS_CERT_FILE: broker [\d.:]+ refused the client certificate \(none is set/,
    );
    await untouched(db);
  });

  it('stops naming KAFKA_TLS_CERT_FILE and its path when the client certificate is of another CA', async () => {
    const topic = await createTopic('kafka-mtls-stranger');
    const db = await withWaitingRow('kafka_mtls_stranger', topic);
    const env = relayEnv(db, {
      ...ssl({ KAFKA_HOST: secureExport('KAFKA_MTLS_BROKERS') }),
      KAFKA_TLS_CERT_FILE: stranger.cert,
      KAFKA_TLS_KEY_FILE: stranger.key,
    });
    const output = await configurationError(env);
    expect(output).toContain(`refused the client certificate of ${stranger.cert}`);
    expect(output).toMatch(/outbox-relay: KAFKA_TLS_CERT_FILE: /);
    await untouched(db);
  });
});
