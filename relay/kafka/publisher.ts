// The Kafka side of the relay: an idempotent producer with acks=all (the broker dedupes kafkajs's own
// resends, and no ack comes before every in-sync replica has the row), topic metadata, and one send call
// that takes many messages and makes one produce request for them. Errors come out as PublishError with
// `retriable` set from the error table, except the configuration mistakes (SASL login refused, a broker
// certificate not trusted, a client certificate refused: config-errors.ts), which come out as ConfigError
// and stop the relay: PublishError's callers never see them, so no row is charged for them.
import net from 'node:net';
import kafkajs, { type Admin, type Kafka, type Producer } from 'kafkajs';
import type { KafkaConfig } from '../config/config.js';
import { PublishError } from '../errors.js';
import type { Logger } from '../logger.js';
import { redactError } from '../redact.js';
import { kafkaConfigError } from './config-errors.js';
import { kafkaErrorAction, toPublishError } from './error-table.js';
import { createTopicMetadata, type TopicInfo } from './topic-metadata.js';

// kafkajs is CommonJS: its enums are reached through the default export under ESM.
const { CompressionTypes, Partitioners } = kafkajs;

export interface OutgoingMessage {
  rowId: string;
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer;
  headers: Record<string, string>;
}

export interface Publisher {
  /** Topic partition counts and sizes; a missing topic maps to null. */
  topics(names: string[]): Promise<Map<string, TopicInfo | null>>;
  /** Sends the messages in one produce request (one record batch per partition), in the order given. */
  send(messages: OutgoingMessage[]): Promise<void>;
  /**
   * Connects (TLS, SASL) and reads the cluster's metadata: at start, so that a configuration mistake is
   * reported even while the outbox is empty.
   */
  check(): Promise<void>;
  /** TCP dial of each broker, like the Go relay's readiness check. */
  ping(timeoutMs?: number): Promise<void>;
  /**
   * TCP dial of the brokers; resolves once one answers (kafkajs works on with the others when one is
   * down), for /readyz.
   */
  reachable(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface PublisherDeps {
  kafka: Kafka;
  config: KafkaConfig;
  logger: Logger;
  /** Produce request timeout (default PRODUCE_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** How long the broker may take to have a produce request written by every in-sync replica. */
export const PRODUCE_TIMEOUT_MS = 30_000;

export function createPublisher(deps: PublisherDeps): Publisher {
  const log = deps.logger.child({ component: 'publisher' });
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  let closed = false;
  const secrets = deps.config.sasl ? [deps.config.sasl.password] : [];
  /** The error to throw for what kafkajs threw: a ConfigError for a configuration mistake. */
  const failure = (error: unknown): Error =>
    kafkaConfigError(error, deps.config, redactError(error, secrets)) ?? toPublishError(error, secrets);

  async function connectedProducer(): Promise<Producer> {
    if (closed) throw new PublishError('publisher closed', undefined, { retriable: true });
    if (!producer) {
      const p = deps.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Every message carries the partition the relay chose; this only silences kafkajs's notice.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      try {
        await p.connect();
      } catch (error) {
        await p.disconnect().catch(() => undefined);
        throw failure(error);
      }
      producer = p;
    }
    return producer;
  }

  async function connectedAdmin(): Promise<Admin> {
    if (closed) throw new PublishError('publisher closed', undefined, { retriable: true });
    if (!admin) {
      const a = deps.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
      try {
        await a.connect();
      } catch (error) {
        await a.disconnect().catch(() => undefined);
        throw failure(error);
      }
      admin = a;
    }
    return admin;
  }

  async function resetProducer(): Promise<void> {
    const old = producer;
    producer = undefined;
    await old?.disconnect().catch(() => undefined);
  }

  const metadata = createTopicMetadata({ admin: connectedAdmin });

  return {
    async topics(names) {
      try {
        return await metadata.lookup(names);
      } catch (error) {
        // A metadata failure may leave the admin client confused about the cluster: start afresh.
        const old = admin;
        admin = undefined;
        await old?.disconnect().catch(() => undefined);
        throw failure(error);
      }
    },

    async check() {
      const a = await connectedAdmin();
      try {
        await a.describeCluster();
      } catch (error) {
        throw failure(error);
      }
    },

    async send(messages) {
      if (messages.length === 0) return;
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const m of messages) {
        const list = byTopic.get(m.topic);
        if (list) list.push(m);
        else byTopic.set(m.topic, [m]);
      }
      const p = await connectedProducer();
      try {
        await p.sendBatch({
          acks: -1,
          timeout: deps.timeoutMs ?? PRODUCE_TIMEOUT_MS,
          compression: deps.config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic,
            messages: list.map((m) => ({
              key: m.key,
              value: m.value,
              headers: m.headers,
              partition: m.partition,
            })),
          })),
        });
      } catch (error) {
        const misconfigured = kafkaConfigError(error, deps.config, redactError(error, secrets));
        if (misconfigured) throw misconfigured;
        const wrapped = toPublishError(error, secrets);
        const action = kafkaErrorAction(error);
        // A topic deleted after kafkajs was asked about it stays among the producer's targets and fails
        // every later metadata refresh, for every topic: a new producer forgets it.
        if (action === 'reset-producer' || action === 'hold-topic') {
          log.warn({ err: wrapped }, 'resetting the producer');
          await resetProducer();
        }
        if (
          wrapped.kafkaType &&
          (action === 'permanent' ||
            action === 'hold-topic' ||
            wrapped.kafkaType === 'NOT_LEADER_FOR_PARTITION')
        ) {
          for (const topic of byTopic.keys()) metadata.forget(topic);
        }
        throw wrapped;
      }
    },

    async ping(timeoutMs = 2000) {
      await Promise.all(deps.config.brokers.map((broker) => dial(broker, timeoutMs)));
    },

    async reachable(timeoutMs = 2000) {
      try {
        await Promise.any(deps.config.brokers.map((broker) => dial(broker, timeoutMs)));
      } catch (error) {
        const reasons = (error as AggregateError).errors.map((e: Error) => e.message).join('; ');
        throw new PublishError(`no Kafka broker reachable: ${reasons}`, undefined, { retriable: true });
      }
    },

    async close() {
      closed = true;
      await Promise.all([producer?.disconnect(), admin?.disconnect()].map((p) => p?.catch(() => undefined)));
      producer = undefined;
      admin = undefined;
    },
  };
}

function dial(broker: string, timeoutMs: number): Promise<void> {
  const at = broker.lastIndexOf(':');
  const host = broker.slice(0, at);
  const port = Number(broker.slice(at + 1));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const fail = (why: string) => {
      socket.destroy();
      reject(new PublishError(`cannot reach Kafka broker ${broker}: ${why}`, undefined, { retriable: true }));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail('timed out'));
    socket.once('error', (e) => fail(e.message));
  });
}
