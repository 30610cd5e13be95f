import { jest } from '@jest/globals';
import { ConfigError, PublishError } from '../../errors.js';
import type { BatchOutcome } from '../publish-batch.js';
import { sendIfHeld } from './timing.js';

const rows = [{ id: '1' }, { id: '2' }] as Parameters<typeof sendIfHeld>[0];
const sentOutcome: BatchOutcome = { published: ['1', '2'], failures: [], released: [] };

describe('sendIfHeld', () => {
  it('readies the producer, then checks the lease, then sends', async () => {
    const steps: string[] = [];
    const outcome = await sendIfHeld(rows, {
      prepare: async () => void steps.push('prepare'),
      leaseLeft: () => (steps.push('lease'), true),
      publish: async () => (steps.push('send'), sentOutcome),
    });
    expect(steps).toEqual(['prepare', 'lease', 'send']);
    expect(outcome).toBe(sentOutcome);
  });

  it('holds the batch back, uncounted, when too little of the lease is left', async () => {
    const publish = jest.fn(async () => sentOutcome);
    const outcome = await sendIfHeld(rows, { leaseLeft: () => false, publish });
    expect(publish).not.toHaveBeenCalled();
    expect(outcome).toMatchObject({ published: [], failures: [], released: ['1', '2'] });
    expect(outcome.transient?.retriable).toBe(true);
  });

  it('holds the batch back when the producer cannot be readied, without checking or sending', async () => {
    const leaseLeft = jest.fn(() => true);
    const publish = jest.fn(async () => sentOutcome);
    const down = new PublishError('coordinator not available', 'COORDINATOR_NOT_AVAILABLE', {
      retriable: true,
    });
    const outcome = await sendIfHeld(rows, { prepare: () => Promise.reject(down), leaseLeft, publish });
    expect(leaseLeft).not.toHaveBeenCalled();
    expect(publish).not.toHaveBeenCalled();
    expect(outcome).toEqual({ published: [], failures: [], released: ['1', '2'], transient: down });
  });

  it('throws a configuration mistake, which stops the relay', async () => {
    const refused = new ConfigError('KAFKA_SASL_PASSWORD', 'the brokers refused the login');
    await expect(
      sendIfHeld(rows, {
        prepare: () => Promise.reject(refused),
        leaseLeft: () => true,
        publish: jest.fn(async () => sentOutcome),
      }),
    ).rejects.toBe(refused);
  });
});
