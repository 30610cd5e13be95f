// Condition types and reasons: the one place they are spelled, so status, events and tests agree.

export const ConditionType = {
  Ready: 'Ready',
  Reconciled: 'Reconciled',
  Available: 'Available',
  Publishing: 'Publishing',
} as const;

export const Reason = {
  // Ready
  Ready: 'Ready',
  SecretNotFound: 'SecretNotFound',
  SecretKeyMissing: 'SecretKeyMissing',
  ApplyFailed: 'ApplyFailed',
  DeploymentUnavailable: 'DeploymentUnavailable',
  RolloutStuck: 'RolloutStuck',
  Paused: 'Paused',
  // Reconciled
  Applied: 'Applied',
  // Available
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  DeploymentNotFound: 'DeploymentNotFound',
  ScaledToZero: 'ScaledToZero',
  // Publishing (and Ready, when Publishing is not True)
  Publishing: 'Publishing',
  Idle: 'Idle',
  AwaitingReport: 'AwaitingReport',
  KafkaUnauthorized: 'KafkaUnauthorized',
  KafkaUnavailable: 'KafkaUnavailable',
  DatabaseUnavailable: 'DatabaseUnavailable',
  TopicMissing: 'TopicMissing',
  TopicUnauthorized: 'TopicUnauthorized',
  Stalled: 'Stalled',
} as const;

export type ReasonValue = (typeof Reason)[keyof typeof Reason];

/** Event reasons (events.k8s.io): failures are Warning, changes are Normal. */
export const EventReason = {
  ChildApplied: 'Applied',
  ChildDeleted: 'Deleted',
  ApplyFailed: 'ApplyFailed',
  ReadyChanged: 'ReadyChanged',
  PublishingChanged: 'PublishingChanged',
} as const;
