// Kafka's TLS and SASL listeners, beside PLAINTEXT (which the controller, the broker's own traffic and every
// existing test keep using), each on its own loopback port:
//   SSL       the server certificate only
//   SASL_SSL  SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN users (as Strimzi's scram-sha-512 listeners)
//   MTLS      SSL with ssl.client.auth=required: a client certificate signed by the devenv CA
// Pods on the real node reach the same three on the devenv bridge's gateway (PODS_SSL, PODS_SASL_SSL,
// PODS_MTLS, beside the plaintext PODS of kafka.ts), with the same certificate (it names the gateway), the
// same users and the same client-certificate rule: a relay in a pod meets what a relay on the host meets.
// The key store and the trust store are PEM files (Kafka reads PEM since 2.7, KIP-651): no JKS, no keytool.
// The PLAIN users are in the listener's JAAS configuration; SCRAM credentials live in the cluster metadata
// and are set with kafka-configs' ConfigCommand once the broker is up (idempotent).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { bridge } from './node/node-settings.js';
import type { Settings } from './settings.js';
import { filesDigest, tlsPaths, type TlsPaths } from './tls-pki.js';

export interface KafkaTlsFiles {
  /** The broker's private key and certificate, one PEM file. */
  keystore: string;
  /** The devenv CA, which client certificates of the MTLS listener must be signed by. */
  truststore: string;
}

export interface SecureBrokers {
  ssl: string;
  saslSsl: string;
  mtls: string;
}

export function kafkaSecureBrokers(s: Settings): SecureBrokers {
  const p = s.ports;
  return {
    ssl: `127.0.0.1:${p.kafkaSsl}`,
    saslSsl: `127.0.0.1:${p.kafkaSaslSsl}`,
    mtls: `127.0.0.1:${p.kafkaMtls}`,
  };
}

/** The same listeners for pods: on the bridge's gateway, advertised there. */
export function kafkaPodSecureBrokers(s: Settings): SecureBrokers {
  const p = s.ports;
  const gateway = bridge().gateway;
  return {
    ssl: `${gateway}:${p.kafkaPodsSsl}`,
    saslSsl: `${gateway}:${p.kafkaPodsSaslSsl}`,
    mtls: `${gateway}:${p.kafkaPodsMtls}`,
  };
}

/** Writes the broker's PEM key store and trust store from the devenv PKI (tls-pki.ts). */
export function writeKafkaTls(s: Settings, pki: TlsPaths): KafkaTlsFiles {
  const dir = path.join(s.state, 'kafka', 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = { keystore: path.join(dir, 'keystore.pem'), truststore: path.join(dir, 'truststore.pem') };
  const { cert, key } = pki.server.kafka;
  writeFileSync(files.keystore, `${readFileSync(key, 'utf8')}${readFileSync(cert, 'utf8')}`, { mode: 0o600 });
  writeFileSync(files.truststore, readFileSync(pki.ca));
  return files;
}

/** The listeners to add to `listeners`, `advertised.listeners` and the protocol map. */
export function secureListeners(s: Settings): { listeners: string[]; protocols: string[] } {
  const b = kafkaSecureBrokers(s);
  const pods = kafkaPodSecureBrokers(s);
  return {
    listeners: [
      `SSL://${b.ssl}`,
      `SASL_SSL://${b.saslSsl}`,
      `MTLS://${b.mtls}`,
      `PODS_SSL://${pods.ssl}`,
      `PODS_SASL_SSL://${pods.saslSsl}`,
      `PODS_MTLS://${pods.mtls}`,
    ],
    protocols: [
      'SSL:SSL',
      'SASL_SSL:SASL_SSL',
      'MTLS:SSL',
      'PODS_SSL:SSL',
      'PODS_SASL_SSL:SASL_SSL',
      'PODS_MTLS:SSL',
    ],
  };
}

const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';

/** A SASL_SSL listener's mechanisms and their JAAS configuration (the PLAIN users live there). */
function saslListener(s: Settings, listener: string): string[] {
  const { plain } = s.secureUsers;
  return [
    `listener.name.${listener}.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN`,
    `listener.name.${listener}.scram-sha-512.sasl.jaas.config=${SCRAM_MODULE}`,
    `listener.name.${listener}.scram-sha-256.sasl.jaas.config=${SCRAM_MODULE}`,
    `listener.name.${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule` +
      ` required user_${plain.username}="${plain.password}";`,
  ];
}

export function securityProperties(s: Settings, files: KafkaTlsFiles): string[] {
  return [
    // kafkaUp compares the whole file: new certificates restart the broker.
    `# TLS material: sha256 ${filesDigest([files.keystore, files.truststore])}`,
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${files.keystore}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${files.truststore}`,
    'ssl.client.auth=none',
    'listener.name.mtls.ssl.client.auth=required',
    'listener.name.pods_mtls.ssl.client.auth=required',
    ...saslListener(s, 'sasl_ssl'),
    ...saslListener(s, 'pods_sasl_ssl'),
  ];
}

export const SCRAM_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const;

/**
 * ConfigCommand's arguments that give the SCRAM user one mechanism's credentials (one mechanism per call:
 * the broker refuses to alter a user's credentials twice in one request).
 */
export function scramUserArgs(s: Settings, mechanism: (typeof SCRAM_MECHANISMS)[number]): string[] {
  const { username, password } = s.secureUsers.scram;
  return [
    '--bootstrap-server',
    `127.0.0.1:${s.ports.kafka}`,
    '--alter',
    '--add-config',
    `${mechanism}=[password=${password}]`,
    '--entity-type',
    'users',
    '--entity-name',
    username,
  ];
}

/** The kafkajs options of a client of one of the secure listeners, as the tests make them. */
export function secureClientOptions(
  s: Settings,
  listener: keyof SecureBrokers,
  at: 'loopback' | 'pods' = 'loopback',
): Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> {
  const pki = tlsPaths(s);
  const ca = readFileSync(pki.ca, 'utf8');
  const brokers = [(at === 'pods' ? kafkaPodSecureBrokers(s) : kafkaSecureBrokers(s))[listener]];
  if (listener === 'ssl') return { brokers, ssl: { ca } };
  if (listener === 'mtls') {
    const client = { cert: readFileSync(pki.client.cert, 'utf8'), key: readFileSync(pki.client.key, 'utf8') };
    return { brokers, ssl: { ca, ...client } };
  }
  const { username, password } = s.secureUsers.scram;
  return { brokers, ssl: { ca }, sasl: { mechanism: 'scram-sha-512', username, password } };
}

/**
 * True once each secure listener, on loopback and for pods, takes a client: SCRAM users set, certificates
 * accepted (the host reaches the gateway address too: it is the host's own, on the bridge).
 */
export async function secureListenersReady(s: Settings): Promise<boolean> {
  const all = (['loopback', 'pods'] as const).flatMap((at) =>
    (['ssl', 'saslSsl', 'mtls'] as const).map((listener) => [listener, at] as const),
  );
  for (const [listener, at] of all) {
    const admin = new Kafka({
      clientId: 'devenv',
      ...secureClientOptions(s, listener, at),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 3000,
    }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  return true;
}
