// One soak run: a database and topics of its own, the relays as child processes (one, or a fleet of 3 to 5
// in shared mode), the writer and the fault injector for the configured time; then every server back up,
// the writer stopped and its unknown commits settled, the outbox drained, the relays stopped with SIGTERM,
// the topics read back, the checker's verdict and what the relays logged of their takeovers. The database and topics are removed after a passing run and kept (for a look) after a failing one.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check } from './check.js';
import { restore, startFaultInjector, type FaultInjector } from './faults.js';
import { createTopics, deleteTopics, readAll } from './kafka-reader.js';
import { endTransactions, membersLogged } from './end-transactions.js';
import { checkOptions, faultKindsFor, type SoakOptions } from './options.js';
import { erroredRows, pendingRows, tableIdentity } from './outbox-table.js';
import { seededRandom } from './random.js';
import { createRelayFleet } from './relay-fleet.js';
import { spawnRelayChild } from '../support/relay-child.js';
import { passed, type SoakReport } from './report.js';
import { takeoverStats } from './relay-logs.js';
import { createSoakDatabase, databaseSwitch, dropSoakDatabase, kafkaSwitch, soakServers } from './servers.js';
import { startWriter, type Writer } from './writer.js';
import { createLedger } from './writer-connection.js';

const SHUTDOWN_TIMEOUT_MS = 8_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until no row is pending; returns how many still are (-1: the table could not be read). */
async function waitForDrain(countPending: () => Promise<number>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let pending = Number.NaN;
  while (Date.now() < deadline) {
    try {
      pending = await countPending();
      if (pending === 0) return 0;
    } catch {
      // The database may still be coming back: ask again.
    }
    await sleep(500);
  }
  return Number.isNaN(pending) ? -1 : pending;
}

export async function runSoak(given: SoakOptions): Promise<SoakReport> {
  const options = checkOptions(given);
  const started = Date.now();
  const log = (line: string) => options.log(`[soak +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  const servers = soakServers();
  const random = seededRandom(options.seed);
  const runId = randomBytes(4).toString('hex');
  const logDir = options.logDir ?? mkdtempSync(path.join(os.tmpdir(), `soak-${options.driver}-`));
  mkdirSync(logDir, { recursive: true });
  const topics = Array.from({ length: options.topics }, (_, i) => `soak.${runId}.t${i}`);
  const missingTopic = `soak.${runId}.missing`;
  const kinds = faultKindsFor(options.relays, options.faults);
  const multi = options.relays > 1;
  const kafka = kafkaSwitch(servers);
  const database = databaseSwitch(servers, options.driver);

  const db = await createSoakDatabase(servers, options.driver);
  await createTopics(servers.brokers, topics, options.partitions);
  log(`database ${db.name}, topics ${topics.join(', ')}, relay logs in ${logDir}, seed ${options.seed}`);
  const env: Record<string, string> = {
    DB_DRIVER: options.driver,
    DB_HOST: db.host,
    DB_PORT: String(db.port),
    DB_USER: db.user,
    DB_PASS: db.password,
    DB_NAME: db.name,
    KAFKA_HOST: servers.brokers.join(','),
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    // The shortest retention the relay takes.
    CLEANUP_RETENTION: '60s',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    // Several relays publish the table at once, with a short lease so that takeovers happen often.
    ...(multi && { RELAY_MODE: 'shared', SHARE_LEASE_MS: String(options.shareLeaseMs) }),
    ...options.relayEnv,
  };
  const leaseMs = Number(env.SHARE_LEASE_MS ?? 10_000);
  if (multi) log(`${options.relays} relays in shared mode, SHARE_LEASE_MS ${leaseMs}`);
  const migrate = await spawnRelayChild('migrate', ['migrate'], env, logDir).exited;
  if (migrate.code !== 0)
    throw new Error(`outbox-relay migrate failed (${JSON.stringify(migrate)}); see ${logDir}`);
  await createLedger(db);

  let injector: FaultInjector | undefined;
  const fleet = createRelayFleet({
    env,
    logDir,
    relays: options.relays,
    random,
    termGraceMs: SHUTDOWN_TIMEOUT_MS + 7_000,
    databaseRestarts: () => injector?.databaseRestarts() ?? { begun: 0, underWay: false },
    serverRestarts: () => injector?.serverRestarts() ?? { begun: 0, underWay: false },
    log,
  });
  let writer: Writer | undefined;
  try {
    await fleet.ensureRelays();
    writer = startWriter({
      db,
      random,
      shape: { topics, missingTopic, keys: options.keys },
      runId,
      transactionsPerSecond: options.transactionsPerSecond,
      rowsPerTransaction: options.rowsPerTransaction,
      rollbackRatio: options.rollbackRatio,
      burstRatio: options.burstRatio,
      log,
    });
    const faultsFrom = Date.now();
    injector = startFaultInjector({
      kinds,
      random,
      gapMs: options.faultGapMs,
      serverDownMs: options.serverDownMs,
      secondRelayMs: options.secondRelayMs,
      stopLeases: options.stopLeases,
      leaseMs,
      deadline: faultsFrom + options.durationMs,
      completeFirstRound: options.completeFirstRound,
      fleet,
      injectPoison: (kind) => writer?.injectPoison(kind),
      kafka,
      database,
      log,
    });
    try {
      await Promise.all([injector.done, sleep(options.durationMs)]);
    } finally {
      await injector.stop().catch(() => undefined);
      // Whatever happened, every server a fault may have stopped is running again.
      if (options.faults.has('kafka-restart')) await restore(kafka, log);
      if (options.faults.has('database-restart')) await restore(database, log);
    }
    await injector.done;
    const faultWindowMs = Date.now() - faultsFrom;
    log('faults over; stopping the writer');
    await writer.stop(120_000);
    // The rows written to the missing topic are held, never errored: they go out once it exists.
    await createTopics(servers.brokers, [missingTopic], options.partitions);
    await fleet.ensureRelays();
    const drainFrom = Date.now();
    const pendingAtEnd = await waitForDrain(() => pendingRows(db), options.drainTimeoutMs);
    const drainMs = Date.now() - drainFrom;
    log(`drained in ${drainMs} ms (${pendingAtEnd} pending); stopping the relays`);
    const relayRange = fleet.range();
    await fleet.stopRelays();
    const source = await tableIdentity(db);
    if (source) await endTransactions(servers.brokers, source, membersLogged(logDir));
    const errored = await erroredRows(db);
    const delivered = await readAll(servers.brokers, [...topics, missingTopic], 180_000);
    const result = check({
      committed: writer.record.committed,
      notCommitted: writer.record.notCommitted,
      delivered,
      errored,
      pendingAtEnd: Math.max(pendingAtEnd, 0),
      unsettled: writer.record.transactions.unsettled,
      anomalies: fleet.anomalies,
      failOnDuplicates: options.failOnDuplicates,
    });
    if (pendingAtEnd < 0) result.failures.push('the outbox could not be read after the faults');
    const report: SoakReport = {
      driver: options.driver,
      seed: options.seed,
      faultWindowMs,
      drainMs,
      totalMs: Date.now() - started,
      writer: writer.record,
      faults: injector.counts,
      relays: { start: options.relays, range: relayRange, leaseMs: multi ? leaseMs : undefined },
      takeovers: takeoverStats(logDir),
      result,
      logDir,
    };
    if (passed(report)) {
      await dropSoakDatabase(servers, db).catch(() => undefined);
      await deleteTopics(servers.brokers, [...topics, missingTopic]).catch(() => undefined);
    } else {
      log(`kept database ${db.name} and topics ${topics.join(', ')} for a look`);
    }
    return report;
  } finally {
    await writer?.stop(0);
    await fleet.killAll();
  }
}
