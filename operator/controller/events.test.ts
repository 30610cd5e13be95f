import type { OutboxRelay } from '../api/types.js';
import type { ObjectReference } from '../kube/events.js';
import { relayEvents, transitionEvents } from './events.js';

describe('relayEvents', () => {
  it('records against the OutboxRelay by reference, uid included', () => {
    const seen: Array<[ObjectReference, string, string, string, string]> = [];
    const events = relayEvents({ record: (...args) => seen.push(args) });
    const relay = {
      metadata: { name: 'orders', namespace: 'shop', uid: 'u1' },
      spec: {},
    } as unknown as OutboxRelay;
    events.record(relay, 'Warning', 'SecretNotFound', 'Validate', 'Secret db not found');
    expect(seen).toEqual([
      [
        {
          apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
          kind: 'OutboxRelay',
          name: 'orders',
          namespace: 'shop',
          uid: 'u1',
        },
        'Warning',
        'SecretNotFound',
        'Validate',
        'Secret db not found',
      ],
    ]);
  });
});

describe('transitionEvents', () => {
  const c = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message = 'm') => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: 'T',
  });

  it('records a Warning when Publishing turns False, and Ready with it', () => {
    const before = [c('Ready', 'True', 'Ready'), c('Publishing', 'True', 'Idle')];
    const after = [c('Ready', 'False', 'Stalled', 'old'), c('Publishing', 'False', 'Stalled', 'old')];
    expect(transitionEvents(before, after)).toEqual([
      { type: 'Warning', reason: 'ReadyChanged', note: 'Ready is False: Stalled: old' },
      { type: 'Warning', reason: 'PublishingChanged', note: 'Publishing is False: Stalled: old' },
    ]);
  });

  it('records a Normal Event when Publishing becomes True, and one for a new failure while False', () => {
    const before = [c('Publishing', 'False', 'KafkaUnavailable')];
    expect(transitionEvents(before, [c('Publishing', 'True', 'Publishing')])).toEqual([
      { type: 'Normal', reason: 'PublishingChanged', note: 'Publishing is True: Publishing: m' },
    ]);
    expect(transitionEvents(before, [c('Publishing', 'False', 'Stalled')])).toHaveLength(1);
  });

  it('records nothing when a True Publishing goes between Idle and Publishing', () => {
    const idle = [c('Publishing', 'True', 'Idle')];
    expect(transitionEvents(idle, [c('Publishing', 'True', 'Publishing')])).toEqual([]);
    expect(transitionEvents([c('Publishing', 'True', 'Publishing')], idle)).toEqual([]);
  });

  it('records nothing for a new message alone (a new pending count)', () => {
    const before = [c('Publishing', 'True', 'Publishing', '3 rows pending')];
    expect(transitionEvents(before, [c('Publishing', 'True', 'Publishing', '9 rows pending')])).toEqual([]);
  });

  it('records the first Publishing condition of a resource, Unknown as Normal (nothing failed)', () => {
    expect(transitionEvents(undefined, [c('Publishing', 'Unknown', 'AwaitingReport')])).toEqual([
      { type: 'Normal', reason: 'PublishingChanged', note: 'Publishing is Unknown: AwaitingReport: m' },
    ]);
  });
});
