// Status derived from what was observed in this pass, never from the previous status (except to keep
// lastTransitionTime), and a comparison that decides whether it needs writing at all. status.databases is
// the relays' (their field managers own it): derived status never carries it, and the write is a merge
// patch of the operator's own fields, so the reports are never overwritten.
import { ConditionType, Reason } from '../api/reasons.js';
import type { Condition, OutboxRelay, OutboxRelayStatus } from '../api/types.js';
import { setCondition, type ConditionInput } from './conditions.js';
import { evaluateReadiness, type DeploymentView, type ReadinessInput } from './readiness.js';
import { deriveSummary, SUMMARY_FIELDS } from './summary.js';

const ORDER: string[] = [
  ConditionType.Ready,
  ConditionType.Reconciled,
  ConditionType.Available,
  ConditionType.Publishing,
];

export function deriveStatus(relay: OutboxRelay, input: ReadinessInput, now: string): OutboxRelayStatus {
  const generation = relay.metadata.generation;
  const ready = evaluateReadiness(input);
  let conditions: Condition[] = [...(relay.status?.conditions ?? [])];
  for (const condition of [
    reconciledCondition(input),
    availableCondition(input.deployment),
    ...(input.publishing ? [input.publishing] : []),
    {
      type: ConditionType.Ready,
      status: ready.failed ? 'False' : 'True',
      reason: ready.reason,
      message: ready.message,
    } satisfies ConditionInput,
  ]) {
    conditions = setCondition(conditions, condition, now, generation);
  }
  conditions.sort((a, b) => rank(ORDER, a.type) - rank(ORDER, b.type));
  return { observedGeneration: generation, conditions, ...deriveSummary(relay) };
}

/**
 * The merge patch that writes `status`: the operator's fields only (never databases), with null for a
 * summary field that is now absent, so that a merge patch removes it.
 */
export function statusPatch(status: OutboxRelayStatus): { status: Record<string, unknown> } {
  const patch: Record<string, unknown> = {
    observedGeneration: status.observedGeneration ?? null,
    conditions: status.conditions ?? [],
  };
  for (const field of SUMMARY_FIELDS) patch[field] = status[field] ?? null;
  return { status: patch };
}

function reconciledCondition(input: ReadinessInput): ConditionInput {
  const problem = input.secretProblem ?? input.applyProblem;
  if (problem) return { type: ConditionType.Reconciled, status: 'False', ...problem };
  return input.paused
    ? {
        type: ConditionType.Reconciled,
        status: 'True',
        reason: Reason.Paused,
        message: 'paused: children not changed',
      }
    : { type: ConditionType.Reconciled, status: 'True', reason: Reason.Applied, message: 'children applied' };
}

function availableCondition(d: DeploymentView | undefined): ConditionInput {
  const type = ConditionType.Available;
  if (!d) {
    return {
      type,
      status: 'False',
      reason: Reason.DeploymentNotFound,
      message: 'the relay Deployment does not exist',
    };
  }
  if (d.replicas === 0) {
    return { type, status: 'False', reason: Reason.ScaledToZero, message: 'spec.relay.replicas is 0' };
  }
  const message = `${d.availableReplicas} of ${d.replicas} relay pods available`;
  return d.available
    ? { type, status: 'True', reason: Reason.MinimumReplicasAvailable, message }
    : { type, status: 'False', reason: Reason.MinimumReplicasUnavailable, message };
}

function rank(order: string[], type: string): number {
  const i = order.indexOf(type);
  return i < 0 ? order.length : i;
}

/** True when the operator's part of the status differs in anything but the order of conditions. */
export function statusChanged(before: OutboxRelayStatus | undefined, after: OutboxRelayStatus): boolean {
  return JSON.stringify(normalize(before)) !== JSON.stringify(normalize(after));
}

function normalize(s: OutboxRelayStatus | undefined): unknown {
  const conditions = [...(s?.conditions ?? [])]
    .sort((a, b) => a.type.localeCompare(b.type))
    .map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime, c.observedGeneration ?? null]);
  const summary = SUMMARY_FIELDS.map((f) => s?.[f] ?? null);
  return { g: s?.observedGeneration ?? null, conditions, summary };
}
