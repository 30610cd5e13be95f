// The kafkajs client built from the relay's configuration, logging through pino.
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../config/config.js';
import type { Logger } from '../logger.js';

export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  let sasl: SASLOptions | undefined;
  if (config.sasl) {
    sasl = {
      mechanism: config.sasl.mechanism,
      username: config.sasl.username,
      password: config.sasl.password,
    } as SASLOptions;
  }
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: config.tls.enabled ? { rejectUnauthorized: !config.tls.skipVerify } : false,
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
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log.debug({ namespace: entry.namespace, kafkajsLevel: level, ...stripNoise(rest) }, message);
      },
  });
}

function stripNoise(entry: Record<string, unknown>): Record<string, unknown> {
  const { timestamp: _t, logger: _l, ...rest } = entry;
  return rest;
}
