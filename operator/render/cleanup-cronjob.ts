// The cleanup CronJob: deletes published rows older than spec.cleanup.retention.
import type { OutboxRelay } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { maintenanceCronJob } from './maintenance-job.js';

export function desiredCleanupCronJob(
  relay: OutboxRelay,
  config: Pick<OperatorConfig, 'relayImage'>,
): Record<string, unknown> | undefined {
  const cleanup = relay.spec.cleanup ?? {};
  if (cleanup.enabled === false) return undefined;
  return maintenanceCronJob(relay, config, 'cleanup', cleanup.schedule ?? '0 * * * *');
}
