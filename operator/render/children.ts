// Every child an OutboxRelay should have, built from a deep copy so no builder can change the resource
// it was given.
import type { OutboxRelay } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { desiredCleanupCronJob } from './cleanup-cronjob.js';
import { desiredDeployment } from './deployment.js';
import { childName, type Component } from './labels.js';
import { desiredOptimizeCronJob } from './optimize-cronjob.js';
import { desiredRole, desiredRoleBinding, desiredServiceAccount } from './reporter-rbac.js';

export interface ChildKind {
  component: Component;
  apiVersion: string;
  kind: string;
  plural: string;
}

const RBAC_V1 = 'rbac.authorization.k8s.io/v1';

// In the order they are applied: the relay pods' ServiceAccount and its rights before the pods.
export const CHILD_KINDS: readonly ChildKind[] = [
  { component: 'reporter', apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { component: 'reporter', apiVersion: RBAC_V1, kind: 'Role', plural: 'roles' },
  { component: 'reporter', apiVersion: RBAC_V1, kind: 'RoleBinding', plural: 'rolebindings' },
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
  const build: Record<string, () => Record<string, unknown> | undefined> = {
    ServiceAccount: () => desiredServiceAccount(relay),
    Role: () => desiredRole(relay),
    RoleBinding: () => desiredRoleBinding(relay),
    Deployment: () => desiredDeployment(relay, config, secretHash),
    'CronJob/cleanup': () => desiredCleanupCronJob(relay, config),
    'CronJob/optimize': () => desiredOptimizeCronJob(relay, config),
  };
  return CHILD_KINDS.map((kind) => ({
    kind,
    name: childName(relay, kind.component),
    object: (build[kind.kind] ?? build[`${kind.kind}/${kind.component}`])!(),
  }));
}
