// A TCP dial of one broker (host:port, an IPv6 literal in brackets): the relay's readiness checks.
import net from 'node:net';
import { PublishError } from '../errors.js';

export function dial(broker: string, timeoutMs: number): Promise<void> {
  const at = broker.lastIndexOf(':');
  // An IPv6 literal is written in brackets ([::1]:9092, as KAFKA_HOST takes it); net.connect takes it bare.
  const host = broker.slice(0, at).replace(/^\[(.*)\]$/, '$1');
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
