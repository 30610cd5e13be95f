// Status derived from what was observed in this pass, never from the previous status (except to keep
// lastTransitionTime), and a comparison that decides whether it needs writing at all.
import { ConditionType, Reason } from '../api/reasons.js';
import type { Condition, OutboxRelay, OutboxRelayStatus } from '../api/types.js';
import { setCondition } from './conditions.js';
import { evaluateReadiness, type ReadinessInput } from './readiness.js';

export function deriveStatus(relay: OutboxRelay, input: ReadinessInput, now: string): OutboxRelayStatus {
  const generation = relay.metadata.generation;
  let conditions: Condition[] = [...(relay.status?.conditions ?? [])];

  const problem = input.secretProblem ?? input.applyProblem;
  conditions = setCondition(
    conditions,
    problem
      ? { type: ConditionType.Reconciled, status: 'False', ...problem }
      : input.paused
        ? {
            type: ConditionType.Reconciled,
            status: 'True',
            reason: Reason.Paused,
            message: 'paused: children not changed',
          }
        : {
            type: ConditionType.Reconciled,
            status: 'True',
            reason: Reason.Applied,
            message: 'children applied',
          },
    now,
    generation,
  );

  const d = input.deployment;
  conditions = setCondition(
    conditions,
    !d
      ? {
          type: ConditionType.Available,
          status: 'False',
          reason: Reason.DeploymentNotFound,
          message: 'the relay Deployment does not exist',
        }
      : d.replicas === 0
        ? {
            type: ConditionType.Available,
            status: 'False',
            reason: Reason.ScaledToZero,
            message: 'spec.relay.replicas is 0',
          }
        : d.available
          ? {
              type: ConditionType.Available,
              status: 'True',
              reason: Reason.MinimumReplicasAvailable,
              message: `${d.availableReplicas} of ${d.replicas} relay pods available`,
            }
          : {
              type: ConditionType.Available,
              status: 'False',
              reason: Reason.MinimumReplicasUnavailable,
              message: `${d.availableReplicas} of ${d.replicas} relay pods available`,
            },
    now,
    generation,
  );

  const ready = evaluateReadiness(input);
  conditions = setCondition(
    conditions,
    {
      type: ConditionType.Ready,
      status: ready.failed ? 'False' : 'True',
      reason: ready.reason,
      message: ready.message,
    },
    now,
    generation,
  );

  const order: string[] = [ConditionType.Ready, ConditionType.Reconciled, ConditionType.Available];
  conditions.sort((a, b) => rank(order, a.type) - rank(order, b.type));
  return { observedGeneration: generation, conditions };
}

function rank(order: string[], type: string): number {
  const i = order.indexOf(type);
  return i < 0 ? order.length : i;
}

/** True when the status differs in anything but the order of conditions. */
export function statusChanged(before: OutboxRelayStatus | undefined, after: OutboxRelayStatus): boolean {
  return JSON.stringify(normalize(before)) !== JSON.stringify(normalize(after));
}

function normalize(s: OutboxRelayStatus | undefined): unknown {
  const conditions = [...(s?.conditions ?? [])]
    .sort((a, b) => a.type.localeCompare(b.type))
    .map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime, c.observedGeneration ?? null]);
  return { g: s?.observedGeneration ?? null, conditions };
}
