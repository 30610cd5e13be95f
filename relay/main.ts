#!/usr/bin/env node
// outbox-relay: the relay process. `outbox-relay [run|cleanup|optimize|migrate|status|requeue]`, configured
// by the Go relay's environment variables and flags (see relay/config/definitions.ts).
import pino from 'pino';
import { parseArgs, type Invocation } from './config/cli.js';
import { jobSwitches, loadConfig, redactedSettings, type RelayConfig } from './config/config.js';
import { usage } from './config/usage.js';
import { ConfigError, NotMigratedError } from './errors.js';
import { cleanupJob, migrateJob, optimizeJob, requeueJob, statusJob } from './commands/jobs.js';
import { startRelay } from './commands/run.js';
import { closeStores, openStores } from './commands/stores.js';
import { createLogger, type Logger } from './logger.js';
import { writeTerminationMessage } from './termination.js';

const USAGE = usage();

/** Settles with the first SIGTERM or SIGINT; the handlers are in place from the moment this returns. */
function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function runUntilSignalled(
  config: RelayConfig,
  logger: Logger,
  signalled: Promise<NodeJS.Signals>,
): Promise<number> {
  const relay = await startRelay({ config, logger });
  void signalled.then((signal) => {
    logger.info({ signal }, 'shutting down');
    // The in-flight batch gets SHUTDOWN_TIMEOUT_MS (below Kubernetes' 30 s grace period); past it the
    // process exits anyway and its claimed rows are taken again by the next relay, as after a crash.
    const deadline = setTimeout(() => {
      logger.warn('shutdown deadline passed; exiting with the batch unresolved');
      void relay.abort();
      process.exit(0);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    void relay.stop();
  });
  await relay.done;
  return 0;
}

async function runJob(invocation: Invocation, config: RelayConfig, logger: Logger): Promise<number> {
  const stores = await openStores(config, logger);
  const deps = { config, stores, logger };
  try {
    let lines: string[];
    switch (invocation.command) {
      case 'cleanup':
        lines = await cleanupJob(deps);
        break;
      case 'optimize':
        lines = await optimizeJob(deps);
        break;
      case 'migrate':
        lines = await migrateJob(deps);
        break;
      case 'status':
        lines = await statusJob(deps);
        break;
      case 'requeue':
        lines = await requeueJob(deps, invocation.requeue ?? []);
        break;
      default:
        throw new Error(`not a job: ${invocation.command}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await closeStores(stores, logger);
  }
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let config: RelayConfig;
  let invocation: Invocation;
  try {
    invocation = parseArgs(argv, jobSwitches(env));
    config = loadConfig(env, invocation.command);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`outbox-relay: ${error.message}`);
      return 2;
    }
    throw error;
  }
  // A one-shot command prints its result on stdout, so its logs go to stderr; `run` logs on stdout.
  const logger = createLogger(
    { level: config.logLevel },
    invocation.command === 'run' ? undefined : pino.destination({ dest: 2, sync: true }),
  );
  // The handlers go in before anything starts: a pod may be terminated while it is still starting (a
  // rollout, a node drain), and Node's default action for SIGTERM would end it without a drain.
  const signalled = invocation.command === 'run' ? firstSignal() : undefined;
  logger.info({ command: invocation.command, config: redactedSettings(env) }, 'starting');
  try {
    return signalled
      ? await runUntilSignalled(config, logger, signalled)
      : await runJob(invocation, config, logger);
  } catch (error) {
    if (error instanceof ConfigError) return configurationFailed(error, logger);
    if (error instanceof NotMigratedError) {
      // One line that says what to do; the server's own words are the cause, which adds nothing.
      logger.error({ database: error.database, table: error.table }, error.message);
      console.error(`outbox-relay: ${error.message}`);
      return 1;
    }
    logger.error({ err: error }, `${invocation.command} failed`);
    return 1;
  }
}

/**
 * A configuration mistake found on connecting (a password or a certificate refused, a CA that did not sign
 * the server's certificate): no retry fixes it and the files are read only at start, so the relay exits 2,
 * as for a bad setting, naming the setting on stderr, in the log and in the container's termination message
 * (Kubernetes shows it as the reason of the restart; a restart reads a rotated Secret's files again).
 */
function configurationFailed(error: ConfigError, logger: Logger): number {
  logger.error({ err: error, setting: error.field }, 'configuration error: stopping');
  console.error(`outbox-relay: ${error.message}`);
  writeTerminationMessage(error.message);
  return 2;
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
    // Exit even if a library left a timer or socket behind: all work is done and resolved by now.
    setTimeout(() => process.exit(code), 500).unref();
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
