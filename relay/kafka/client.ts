// The kafkajs client built from the relay's configuration, logging through pino.
import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import { hideSecret } from '../redact.js';
import { secureContextOf } from '../tls/secure-context.js';
import { seedBrokers, socketFactory } from './seed-brokers.js';

/**
 * kafkajs's ssl option: TLS_ENABLE and TLS_SKIP_VERIFY_PEER as the Go relay had them, with the CA and the
 * client certificate of KAFKA_TLS_* in a secure context (kafkajs copies its ssl options with Object.assign,
 * which would drop a non-enumerable key; a context carries it instead).
 */
export function sslOption(tls: KafkaConfig['tls']): KafkaJsConfig['ssl'] {
  if (!tls.enabled) return false;
  const context = secureContextOf(tls);
  return { rejectUnauthorized: !tls.skipVerify, ...(context ? { secureContext: context } : {}) };
}

/** kafkajs's sasl option; the password stays non-enumerable (kafkajs reads it by name). */
export function saslOption(sasl: KafkaConfig['sasl']): SASLOptions | undefined {
  if (!sasl) return undefined;
  const options = { mechanism: sasl.mechanism, username: sasl.username };
  return hideSecret(options, 'password', sasl.password) as SASLOptions;
}

export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  const sasl = saslOption(config.sasl);
  const seeds = seedBrokers(config.brokers);
  return new Kafka({
    clientId: config.clientId,
    brokers: seeds.brokers,
    ...(seeds.addresses.size > 0 ? { socketFactory: socketFactory(seeds.addresses) } : {}),
    ssl: sslOption(config.tls),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    // kafkajs retries briefly on its own; longer outages are the relay's retry module's job, so that an
    // outage of any length is waited out without counting attempts against the rows.
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    // kafkajs logs a broker outage at ERROR on every reconnect attempt, several times a second. Every
    // failure also reaches the relay as a thrown error, which it logs once per retry, so kafkajs's own
    // lines go to debug.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        // The namespace (the kafkajs module that logs) is the entry's, beside its log line.
        const { message, ...rest } = entry;
        log.debug({ namespace, kafkajsLevel: level, ...stripNoise(rest) }, message);
      },
  });
}

function stripNoise(entry: Record<string, unknown>): Record<string, unknown> {
  const { timestamp: _t, logger: _l, ...rest } = entry;
  return rest;
}
