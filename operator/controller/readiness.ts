// Readiness as an ordered chain of pure checks (the first failing one decides), each returning its
// reason and message and whether it failed. Ready = configured (Secrets, apply), available (the
// Deployment) and publishing (the Publishing condition, from the relays' reports: publishing.ts).
import { Reason } from '../api/reasons.js';
import type { ConditionInput } from './conditions.js';

export interface ReadinessInput {
  secretProblem?: { reason: string; message: string };
  applyProblem?: { reason: string; message: string };
  paused: boolean;
  deployment?: DeploymentView;
  /** The Publishing condition of this pass; absent means not evaluated (no effect on Ready). */
  publishing?: ConditionInput;
}

export interface DeploymentView {
  replicas: number;
  availableReplicas: number;
  available: boolean;
  /** The Deployment controller gave up on the rollout (progressDeadlineSeconds passed). */
  rolloutStuck: boolean;
}

export interface CheckResult {
  reason: string;
  message: string;
  failed: boolean;
}

export type ReadinessCheck = (input: ReadinessInput) => CheckResult | undefined;

export const secretsCheck: ReadinessCheck = (i) =>
  i.secretProblem ? { ...i.secretProblem, failed: true } : undefined;

export const applyCheck: ReadinessCheck = (i) =>
  i.applyProblem ? { ...i.applyProblem, failed: true } : undefined;

export const deploymentCheck: ReadinessCheck = (i) => {
  const d = i.deployment;
  if (!d)
    return {
      reason: Reason.DeploymentUnavailable,
      message: 'the relay Deployment does not exist',
      failed: true,
    };
  if (d.rolloutStuck) {
    return {
      reason: Reason.RolloutStuck,
      message: 'the rollout of the relay Deployment exceeded its progress deadline',
      failed: true,
    };
  }
  if (d.replicas === 0) return undefined;
  if (!d.available) {
    return {
      reason: Reason.DeploymentUnavailable,
      message: `${d.availableReplicas} of ${d.replicas} relay pods available`,
      failed: true,
    };
  }
  return undefined;
};

/**
 * Not publishing is not ready, with Publishing's reason. A relay scaled to zero on purpose publishes
 * nothing and is not expected to.
 */
export const publishingCheck: ReadinessCheck = (i) => {
  const p = i.publishing;
  if (!p || p.status === 'True' || i.deployment?.replicas === 0) return undefined;
  return { reason: p.reason, message: p.message, failed: true };
};

/** Paused resources report their state; Ready says so when everything else is fine. */
export const pausedCheck: ReadinessCheck = (i) =>
  i.paused
    ? {
        reason: Reason.Paused,
        message: 'spec.paused is true: the children are left as they are',
        failed: false,
      }
    : undefined;

export const READINESS_CHAIN: readonly ReadinessCheck[] = [
  secretsCheck,
  applyCheck,
  deploymentCheck,
  publishingCheck,
  pausedCheck,
];

export function evaluateReadiness(input: ReadinessInput, chain = READINESS_CHAIN): CheckResult {
  for (const check of chain) {
    const result = check(input);
    if (result) return result;
  }
  return {
    reason: Reason.Ready,
    message: 'the relay is configured, available and publishing',
    failed: false,
  };
}

interface DeploymentLike {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
  };
}

export function deploymentView(d: DeploymentLike | undefined): DeploymentView | undefined {
  if (!d) return undefined;
  const availableCondition = d.status?.conditions?.find((c) => c.type === 'Available');
  return {
    replicas: d.spec?.replicas ?? 1,
    availableReplicas: d.status?.availableReplicas ?? 0,
    available: availableCondition?.status === 'True',
    rolloutStuck:
      d.status?.conditions?.some(
        (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
      ) ?? false,
  };
}
