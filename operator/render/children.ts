// Every child an OutboxRelay should have, built from a deep copy so no builder can change the resource
// it was given.
import type { OutboxRelay } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { desiredCleanupCronJob } from './cleanup-cronjob.js';
import { desiredDeployment } from './deployment.js';
import { childName, type Component } from './labels.js';
import { desiredOptimizeCronJob } from './optimize-cronjob.js';

export interface ChildKind {
  component: Component;
  apiVersion: string;
  kind: string;
  plural: string;
}

export const CHILD_KINDS: readonly ChildKind[] = [
  { component: 'relay', apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { component: 'cleanup', apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs' },
  { component: 'optimize', apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs' },
];

export interface DesiredChild {
  kind: ChildKind;
  name: string;
  /** undefined: the child should not exist. */
  object: Record<string, unknown> | undefined;
}

export function desiredChildren(
  resource: OutboxRelay,
  config: Pick<OperatorConfig, 'relayImage'>,
  secretHash: string,
): DesiredChild[] {
  const relay = structuredClone(resource);
  const build = {
    cleanup: desiredCleanupCronJob,
    optimize: desiredOptimizeCronJob,
  } as const;
  return CHILD_KINDS.map((kind) => ({
    kind,
    name: childName(relay, kind.component),
    object:
      kind.component === 'relay'
        ? desiredDeployment(relay, config, secretHash)
        : build[kind.component](relay, config),
  }));
}
