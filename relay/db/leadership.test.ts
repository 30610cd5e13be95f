// The one leadership, on a fake session: who ends the connection, and when the lead counts as lost.
import { EventEmitter } from 'node:events';
import { createLogger } from '../logger.js';
import type { Dialect, Session } from './dialect.js';
import { acquireLeadership } from './leadership.js';
import type { StoreConfig } from './store.js';

const config = { driver: 'mysql', database: 'shop', table: 'kafka_outbox' } as StoreConfig;
const logger = createLogger({ level: 'silent' });

function fixture(free: boolean) {
  const events = new EventEmitter();
  const calls: string[] = [];
  const session: Session<string[]> = {
    db: calls,
    onError: (listener) => void events.on('error', listener),
    onEnd: (listener) => void events.on('end', listener),
    end: async () => void calls.push('end'),
    drop: () => void calls.push('drop'),
  };
  const dialect = {
    lockKey: (purpose: string, database: string, table: string) => `${purpose}:${database}:${table}`,
    openSession: async () => session,
    queries: { ping: async () => undefined },
    leaderLock: {
      tryLock: async (db: string[], key: string) => (db.push(`lock ${key}`), free),
      unlock: async (db: string[], key: string) => void db.push(`unlock ${key}`),
    },
  } as unknown as Dialect<string[]>;
  const acquire = () => acquireLeadership(dialect, config, logger, (_op, error) => error as Error);
  return { events, calls, acquire };
}

describe('leadership', () => {
  it('is null, with its connection ended, when another session holds the lock', async () => {
    const { calls, acquire } = fixture(false);
    await expect(acquire()).resolves.toBeNull();
    expect(calls).toEqual(['lock leader:shop:kafka_outbox', 'end']);
  });

  it('unlocks and ends its connection on release, once', async () => {
    const { calls, acquire } = fixture(true);
    const leadership = await acquire();
    await leadership!.release();
    await leadership!.release();
    expect(calls).toEqual(['lock leader:shop:kafka_outbox', 'unlock leader:shop:kafka_outbox', 'end']);
  });

  it('is lost when its connection fails, and the connection is dropped', async () => {
    const { events, calls, acquire } = fixture(true);
    const leadership = await acquire();
    events.emit('error', new Error('connection reset'));
    await leadership!.lost;
    expect(calls).toEqual(['lock leader:shop:kafka_outbox', 'drop']);
    await leadership!.release();
    expect(calls).toEqual(['lock leader:shop:kafka_outbox', 'drop', 'end']);
  });
});
