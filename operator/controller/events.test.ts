import type { OutboxRelay } from '../api/types.js';
import type { ObjectReference } from '../kube/events.js';
import { relayEvents } from './events.js';

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
