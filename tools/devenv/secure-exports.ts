// The exports of the TLS side of the local servers (env-file.ts adds them to env.sh): the devenv CA and
// client certificate, Kafka's secure listeners (on loopback, and for pods on the bridge's gateway) and
// their users, the databases' TLS-only users. None is a variable the relay reads (an env.sh sourced before
// running a relay must not change how it connects), and none is a libpq variable (PGSSLMODE and the like would turn TLS on for every PostgreSQL client).
import { kafkaPodSecureBrokers, kafkaSecureBrokers } from './kafka-security.js';
import type { Settings } from './settings.js';
import { tlsPaths } from './tls-pki.js';

export function secureExports(s: Settings): Record<string, string> {
  const pki = tlsPaths(s);
  const brokers = kafkaSecureBrokers(s);
  const pods = kafkaPodSecureBrokers(s);
  const { scram, plain, dbTls, dbCert } = s.secureUsers;
  return {
    DEVENV_TLS_CA_FILE: pki.ca,
    DEVENV_TLS_CLIENT_CERT_FILE: pki.client.cert,
    DEVENV_TLS_CLIENT_KEY_FILE: pki.client.key,
    KAFKA_SSL_BROKERS: brokers.ssl,
    KAFKA_SASL_SSL_BROKERS: brokers.saslSsl,
    KAFKA_MTLS_BROKERS: brokers.mtls,
    // The same listeners for pods on the real node, on the bridge's gateway (beside KAFKA_POD_BROKERS).
    KAFKA_POD_SSL_BROKERS: pods.ssl,
    KAFKA_POD_SASL_SSL_BROKERS: pods.saslSsl,
    KAFKA_POD_MTLS_BROKERS: pods.mtls,
    KAFKA_SCRAM_USERNAME: scram.username,
    KAFKA_SCRAM_PASSWORD: scram.password,
    KAFKA_PLAIN_USERNAME: plain.username,
    KAFKA_PLAIN_PASSWORD: plain.password,
    PG_TLS_USER: dbTls,
    PG_TLS_PASSWORD: s.password,
    PG_CERT_USER: dbCert,
    MYSQL_TLS_USER: dbTls,
    MYSQL_TLS_PASSWORD: s.password,
    MYSQL_CERT_USER: dbCert,
    MYSQL_CERT_PASSWORD: s.password,
  };
}
