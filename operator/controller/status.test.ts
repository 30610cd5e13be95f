import type { OutboxRelay } from '../api/types.js';
import { deriveStatus, statusChanged, statusPatch } from './status.js';

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

describe('the summary and the status write', () => {
  const reported = (pending: number): OutboxRelay => {
    const r = relay();
    r.status = {
      databases: [
        {
          name: 'd',
          pending,
          errored: 0,
          ...(pending > 0 ? { oldestPendingTime: '2026-03-01T12:00:00Z' } : {}),
          kafka: { state: 'Available' },
          database: { state: 'Available' },
          reportedBy: 'p',
        },
      ],
    };
    return r;
  };

  it('carries the summary of the reports and never the reports themselves', () => {
    const s = deriveStatus(reported(4), { paused: false, deployment: available }, 'T1');
    expect(s).toMatchObject({ backlog: 4, oldestPendingTime: '2026-03-01T12:00:00Z', brokers: 'k:9092' });
    expect(s).not.toHaveProperty('databases');
    expect(statusPatch(s).status).not.toHaveProperty('databases');
  });

  it('counts a new backlog as a change', () => {
    const r = reported(4);
    const before = deriveStatus(r, { paused: false, deployment: available }, 'T1');
    const after = deriveStatus(reported(0), { paused: false, deployment: available }, 'T2');
    expect(statusChanged(before, after)).toBe(true);
  });

  it('removes a summary field no longer there with null in the merge patch', () => {
    const s = deriveStatus(reported(0), { paused: false, deployment: available }, 'T1');
    expect(statusPatch(s).status).toMatchObject({
      backlog: 0,
      oldestPendingTime: null,
      lastPublishedTime: null,
    });
  });

  it('orders Publishing after the other conditions', () => {
    const s = deriveStatus(
      reported(0),
      {
        paused: false,
        deployment: available,
        publishing: { type: 'Publishing', status: 'True', reason: 'Idle', message: 'nothing is pending' },
      },
      'T1',
    );
    expect(s.conditions?.map((c) => c.type)).toEqual(['Ready', 'Reconciled', 'Available', 'Publishing']);
  });
});
