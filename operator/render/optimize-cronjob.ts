// The optimize CronJob: reclaims the space of deleted outbox rows; off unless spec.optimize.enabled.
import type { OutboxRelay } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { maintenanceCronJob } from './maintenance-job.js';

export function desiredOptimizeCronJob(
  relay: OutboxRelay,
  config: Pick<OperatorConfig, 'relayImage'>,
): Record<string, unknown> | undefined {
  const optimize = relay.spec.optimize ?? {};
  if (optimize.enabled !== true) return undefined;
  return maintenanceCronJob(relay, config, 'optimize', optimize.schedule ?? '30 3 * * 0');
}
