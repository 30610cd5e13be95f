// metav1.Condition handling: lastTransitionTime moves only when a condition's status flips, so it tells
// when the state changed, not when the operator last looked.
import type { Condition, ConditionStatus } from '../api/types.js';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function setCondition(
  conditions: readonly Condition[],
  input: ConditionInput,
  now: string,
  observedGeneration: number | undefined,
): Condition[] {
  const existing = conditions.find((c) => c.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    lastTransitionTime: existing && existing.status === input.status ? existing.lastTransitionTime : now,
    reason: input.reason,
    message: input.message,
  };
  const others = conditions.filter((c) => c.type !== input.type);
  return [...others, next];
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
