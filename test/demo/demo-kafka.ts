// The demo's Kafka clients. The consumer's client prints kafkajs's own lines (WARN and above) in the demo's
// output, as `kafkajs ERROR [Connection] ...`, so a library error shows beside the step it happened in
// (the demo test fails on one). Before the consumer joins its group, the demo waits for the group's
// coordinator: on a broker that has never had a consumer group, the first FindCoordinator creates
// __consumer_offsets and is answered "The group coordinator is not available" until its partitions have
// leaders, which kafkajs logs at ERROR and retries. The wait asks through a client of its own that logs
// nothing: those answers are what it waits through, and if they never stop it fails with the last one.
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { eventually, kafkaBrokers } from '../support/servers.js';

export function demoKafka(clientId: string, say: (line: string) => void): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokers(),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ label, namespace, log }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = log;
        say(`      kafkajs ${label} [${namespace}] ${message} ${JSON.stringify(rest)}`);
      },
  });
}

/** Waits until the broker describes the group: its coordinator is up and has loaded the group's partition. */
export async function waitForGroupCoordinator(groupId: string, timeoutMs = 60_000): Promise<void> {
  const admin = new Kafka({
    clientId: 'outbox-demo-wait',
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await eventually(
      `the coordinator of consumer group ${groupId}`,
      async () => ((await admin.describeGroups([groupId])).groups.length > 0 ? true : undefined),
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}
