// kafkajs 2.2.4 can reject a request promise that nothing awaits when a broker goes away mid-request (seen
// here as KafkaJSConnectionClosedError while the broker was stopped; upstream tulios/kafkajs#1686 and
// #702). Node ends the process on an unhandled rejection, which would turn every Kafka outage into a crash
// loop. The operation that needed the request fails through its own promise and is retried by the relay,
// so such a stray Kafka error is logged and dropped. Anything else is rethrown: a programming error still
// ends the process.
import type { Logger } from '../logger.js';
import { isKafkaError } from './error-table.js';

export function guardKafkaRejections(logger: Logger, target: NodeJS.EventEmitter = process): () => void {
  const handler = (reason: unknown) => {
    if (isKafkaError(reason)) {
      logger.warn({ err: reason }, 'dropped a kafkajs rejection nothing awaited');
      return;
    }
    throw reason;
  };
  target.on('unhandledRejection', handler);
  return () => {
    target.off('unhandledRejection', handler);
  };
}
