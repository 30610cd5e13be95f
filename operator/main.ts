#!/usr/bin/env node
// outbox-relay-operator: reconciles OutboxRelay resources into the relay's Deployment and CronJobs.
import os from 'node:os';
import { ConfigError, isHelp, loadConfig, USAGE } from './config.js';
import { createLogger } from './logger.js';
import { startOperator } from './operator.js';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (isHelp(argv)) {
    process.stdout.write(USAGE);
    return 0;
  }
  let config;
  try {
    config = loadConfig(argv, process.env, os.hostname());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger({ level: config.logLevel });
  log.info({ relayImage: config.relayImage, leaderElection: config.leaderElection }, 'starting');
  const operator = await startOperator(config, log);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      operator.stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // A replica that lost its lease exits so that it cannot act alongside the new leader.
    void operator.lost.then(() => {
      log.error('leadership lost; exiting');
      resolve(1);
    });
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
