// The broker the suites use, stopped and started for an outage: the devenv's Kafka daemon, or with
// TEST_SERVERS=testcontainers the Kafka container (its host port is pinned, so a restart keeps the address
// it advertises: tools/devenv/testcontainers/containers.ts). Either way start() returns once the broker
// serves metadata again.
import { getContainerRuntimeClient } from 'testcontainers';
import { kafkaDown, kafkaPing, kafkaUp } from '../../tools/devenv/kafka.js';
import { settings } from '../../tools/devenv/settings.js';
import { kafkaServes } from '../../tools/devenv/testcontainers/containers.js';
import { CONTAINER_KEYS } from '../../tools/devenv/testcontainers/exports-file.js';
import { devenv, kafkaBrokers } from './servers.js';
import { testServers } from '../../tools/devenv/testcontainers/mode.js';

export interface KafkaBroker {
  stop(): Promise<void>;
  start(): Promise<void>;
  serving(): Promise<boolean>;
}

function devenvBroker(): KafkaBroker {
  const s = settings();
  return {
    stop: async () => {
      await kafkaDown(s);
    },
    start: () => kafkaUp(s),
    serving: () => kafkaPing(s),
  };
}

function containerBroker(id: string): KafkaBroker {
  const container = async () => {
    const client = await getContainerRuntimeClient();
    return { client, container: client.container.getById(id) };
  };
  return {
    async stop() {
      const c = await container();
      // The module's image runs the broker under `sh -c` as pid 1, which passes no SIGTERM on: the
      // broker is killed after the timeout, an outage as abrupt as the devenv's SIGKILL fallback.
      await c.client.container.stop(c.container, { timeout: 10 });
    },
    async start() {
      const c = await container();
      await c.client.container.start(c.container);
      if (!(await kafkaServes(kafkaBrokers(), 120_000)))
        throw new Error('the Kafka container did not come back');
    },
    serving: () => kafkaServes(kafkaBrokers(), 0),
  };
}

export function kafkaBroker(): KafkaBroker {
  if (testServers() === 'devenv') return devenvBroker();
  return containerBroker(devenv()[CONTAINER_KEYS.kafka] ?? '');
}
