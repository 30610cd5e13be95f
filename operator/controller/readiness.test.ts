import { Reason } from '../api/reasons.js';
import { deploymentView, evaluateReadiness, type ReadinessInput } from './readiness.js';

const available = { replicas: 1, availableReplicas: 1, available: true, rolloutStuck: false };
const publishing = (status: 'True' | 'False' | 'Unknown', reason: string) => ({
  type: 'Publishing',
  status,
  reason,
  message: `publishing: ${reason}`,
});

describe('evaluateReadiness', () => {
  const cases: Array<[string, ReadinessInput, string, boolean]> = [
    [
      'a resource whose Deployment is available is ready',
      { paused: false, deployment: available },
      Reason.Ready,
      false,
    ],
    [
      'a missing Secret comes first, whatever the Deployment says',
      {
        paused: false,
        deployment: available,
        secretProblem: { reason: Reason.SecretNotFound, message: 'x' },
      },
      Reason.SecretNotFound,
      true,
    ],
    [
      'a failed apply is reported before availability',
      { paused: false, applyProblem: { reason: Reason.ApplyFailed, message: 'x' } },
      Reason.ApplyFailed,
      true,
    ],
    [
      'a Deployment with no available pods is not ready',
      { paused: false, deployment: { ...available, availableReplicas: 0, available: false } },
      Reason.DeploymentUnavailable,
      true,
    ],
    [
      'a rollout past its progress deadline is not ready, even with old pods still available',
      { paused: false, deployment: { ...available, rolloutStuck: true } },
      Reason.RolloutStuck,
      true,
    ],
    ['a missing Deployment is not ready', { paused: false }, Reason.DeploymentUnavailable, true],
    [
      'a paused resource with an available Deployment says Paused',
      { paused: true, deployment: available },
      Reason.Paused,
      false,
    ],
    [
      'a relay that is not publishing is not ready, with the reason of Publishing',
      { paused: false, deployment: available, publishing: publishing('False', Reason.KafkaUnauthorized) },
      Reason.KafkaUnauthorized,
      true,
    ],
    [
      'a relay that has not reported yet is not ready',
      { paused: false, deployment: available, publishing: publishing('Unknown', Reason.AwaitingReport) },
      Reason.AwaitingReport,
      true,
    ],
    [
      'a stalled backlog makes even a paused resource unready',
      { paused: true, deployment: available, publishing: publishing('False', Reason.Stalled) },
      Reason.Stalled,
      true,
    ],
    [
      'an unavailable Deployment comes before Publishing',
      {
        paused: false,
        deployment: { ...available, availableReplicas: 0, available: false },
        publishing: publishing('False', Reason.Stalled),
      },
      Reason.DeploymentUnavailable,
      true,
    ],
    [
      'a publishing relay is ready',
      { paused: false, deployment: available, publishing: publishing('True', Reason.Publishing) },
      Reason.Ready,
      false,
    ],
    [
      'a relay scaled to zero is not expected to publish',
      {
        paused: false,
        deployment: { ...available, replicas: 0, availableReplicas: 0, available: false },
        publishing: publishing('Unknown', Reason.AwaitingReport),
      },
      Reason.Ready,
      false,
    ],
    [
      'a Deployment scaled to zero on purpose does not make the resource unready',
      { paused: false, deployment: { ...available, replicas: 0, availableReplicas: 0, available: false } },
      Reason.Ready,
      false,
    ],
  ];

  it.each(cases)('%s', (_name, input, reason, failed) => {
    expect(evaluateReadiness(input)).toMatchObject({ reason, failed });
  });
});

describe('deploymentView', () => {
  it('sees a stuck rollout in the Progressing condition', () => {
    const view = deploymentView({
      spec: { replicas: 2 },
      status: {
        availableReplicas: 2,
        conditions: [
          { type: 'Available', status: 'True' },
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
        ],
      },
    });
    expect(view).toEqual({ replicas: 2, availableReplicas: 2, available: true, rolloutStuck: true });
  });
});
