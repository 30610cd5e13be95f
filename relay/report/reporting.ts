// The report as one step of `run` (commands/run.ts). Mechanism, chosen for least privilege: each relay pod
// patches only its own OutboxRelay's status subresource, with a token of a ServiceAccount the operator
// makes per OutboxRelay, bound to a Role allowing get and patch on outboxrelays/status of that one name
// (operator/render/reporter-rbac.ts). The operator never holds database credentials, and needs no rights
// on pods: the alternative, the operator reading each relay pod's HTTP endpoint, would need pod list/watch
// and a network path from the operator to every relay pod, which NetworkPolicies commonly deny.
import { Counter, type Registry } from 'prom-client';
import type { RelayConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sleep } from '../retry.js';
import { collectReport, type ReportSources } from './collect.js';
import { createPublisherPruner } from './prune-publishers.js';
import { createEntryRemover } from './release-entries.js';
import { createReporter, LAST_WRITE_TIMEOUT_MS, type RefreshResult, type Reporter } from './reporter.js';
import { createStatusClient } from './status-client.js';

export interface Reporting {
  reporter: Reporter;
  /** Starts refreshing; the loop ends with stop() or final(). */
  start(): void;
  /** Releases this pod's entries. */
  stop(): Promise<void>;
  /** Before an exit on a refused credential: a last report saying which (other errors: stop()). */
  final(error: unknown): Promise<void>;
}

/** A refused credential, as the report says it: DB_* settings are the database's, the rest Kafka's. */
export function refusal(error: unknown): { kafka?: string; database?: string } | undefined {
  if (!(error instanceof ConfigError)) return undefined;
  return error.field.startsWith('DB_') ? { database: error.message } : { kafka: error.message };
}

const REFRESH_OUTCOMES: readonly RefreshResult[] = ['written', 'unchanged', 'throttled', 'nothing', 'failed'];

/** The report's counter, every outcome at 0 from the start (an increase() would miss a first one). */
export function registerReportMetrics(registry?: Registry): Counter<'outcome'> {
  const refreshes = new Counter({
    name: 'outbox_relay_status_reports_total',
    help: 'Refreshes of the status report by outcome: written, unchanged (nothing written), throttled, nothing (no entries to write or release), failed.',
    labelNames: ['outcome'],
    registers: registry ? [registry] : [],
  });
  for (const outcome of REFRESH_OUTCOMES) refreshes.inc({ outcome }, 0);
  return refreshes;
}

export function createReporting(
  config: RelayConfig,
  sources: ReportSources,
  logger: Logger,
  registry?: Registry,
): Reporting | undefined {
  const settings = config.report;
  if (!settings) return undefined;
  const client = createStatusClient(settings);
  const refreshes = registerReportMetrics(registry);
  const prune = createPublisherPruner({
    patchStatus: (operations) => client.patchStatus(operations),
    podName: settings.podName,
    isLive: sources.isLive ?? (() => undefined),
    logger,
  });
  const reporter = createReporter({
    collect: () => collectReport(sources),
    write: (entries, timeoutMs) => client.apply(entries, timeoutMs),
    applied: prune,
    unreleased: createEntryRemover({
      patchStatus: (operations, timeoutMs) => client.patchStatus(operations, timeoutMs),
      get: (timeoutMs) => client.get(timeoutMs),
      podName: settings.podName,
      isLive: sources.isLive ?? (() => undefined),
      logger,
      timeoutMs: LAST_WRITE_TIMEOUT_MS,
    }),
    podName: settings.podName,
    databaseNames: config.db.names,
    now: Date.now,
    sleep,
    logger,
    onRefresh: (outcome) => refreshes.inc({ outcome }),
  });
  logger
    .child({ component: 'report' })
    .info(
      { outboxrelay: `${settings.namespace}/${settings.name}`, fieldManager: client.fieldManager },
      'reporting status',
    );
  return {
    reporter,
    start: () => void reporter.run(),
    stop: () => reporter.stop(),
    async final(error) {
      const refused = refusal(error);
      await (refused ? reporter.final(refused) : reporter.stop());
    },
  };
}
