import type { OutboxRelay } from '../api/types.js';
import { deriveStatus, statusChanged } from './status.js';

const relay = (): OutboxRelay => ({
  apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
  kind: 'OutboxRelay',
  metadata: { name: 'r', namespace: 'n', generation: 2 },
  spec: { database: { secretRef: { name: 's' } }, kafka: { brokers: ['k:9092'] } },
});
const available = { replicas: 1, availableReplicas: 1, available: true, rolloutStuck: false };

describe('deriveStatus', () => {
  it('reports Ready, Reconciled and Available for an available relay, at the resource generation', () => {
    const s = deriveStatus(relay(), { paused: false, deployment: available }, 'T1');
    expect(s.observedGeneration).toBe(2);
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'True', 'Ready'],
      ['Reconciled', 'True', 'Applied'],
      ['Available', 'True', 'MinimumReplicasAvailable'],
    ]);
  });

  it('does not count as a change when the same pass is derived again later', () => {
    const r = relay();
    r.status = deriveStatus(r, { paused: false, deployment: available }, 'T1');
    const again = deriveStatus(r, { paused: false, deployment: available }, 'T2');
    expect(statusChanged(r.status, again)).toBe(false);
  });

  it('counts a flip of Ready as a change, and stamps the new transition time', () => {
    const r = relay();
    r.status = deriveStatus(r, { paused: false, deployment: available }, 'T1');
    const broken = deriveStatus(
      r,
      {
        paused: false,
        deployment: available,
        secretProblem: { reason: 'SecretNotFound', message: 'Secret s not found' },
      },
      'T2',
    );
    expect(statusChanged(r.status, broken)).toBe(true);
    const ready = broken.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'SecretNotFound', lastTransitionTime: 'T2' });
    expect(broken.conditions?.find((c) => c.type === 'Available')?.lastTransitionTime).toBe('T1');
  });
});
