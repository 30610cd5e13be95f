// The Kafka side of the relay: an idempotent producer with acks=all (the broker dedupes kafkajs's own
// resends, and no ack comes before every in-sync replica has the row), topic metadata, and one send call
// that takes many messages and makes one produce request for them. Errors come out as PublishError with
// `retriable` set from the error table.
import net from 'node:net';
import kafkajs, { type Admin, type Kafka, type Producer } from 'kafkajs';
import type { KafkaConfig } from '../config/config.js';
import { PublishError } from '../errors.js';
import type { Logger } from '../logger.js';
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
  /** TCP dial of each broker, like the Go relay's readiness check. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface PublisherDeps {
  kafka: Kafka;
  config: KafkaConfig;
  logger: Logger;
  /** Produce request timeout. */
  timeoutMs?: number;
}

export function createPublisher(deps: PublisherDeps): Publisher {
  const log = deps.logger.child({ component: 'publisher' });
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  let closed = false;

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
        throw toPublishError(error);
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
        throw toPublishError(error);
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
        throw toPublishError(error);
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
          timeout: deps.timeoutMs ?? 30_000,
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
        const wrapped = toPublishError(error);
        const action = kafkaErrorAction(error);
        if (action === 'reset-producer') {
          log.warn({ err: wrapped }, 'resetting the producer');
          await resetProducer();
        }
        if (
          wrapped.kafkaType &&
          (action === 'permanent' || wrapped.kafkaType === 'NOT_LEADER_FOR_PARTITION')
        ) {
          for (const topic of byTopic.keys()) metadata.forget(topic);
        }
        throw wrapped;
      }
    },

    async ping(timeoutMs = 2000) {
      await Promise.all(deps.config.brokers.map((broker) => dial(broker, timeoutMs)));
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
