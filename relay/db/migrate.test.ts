// The one migration runner, on a recording dialect: the order of its steps, and what a failure leaves.
import { DatabaseError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { Dialect, Migration, Pool } from './dialect.js';
import { tableNames } from './identifiers.js';
import { migrate } from './migrate.js';
import type { StoreConfig } from './store.js';

type Db = { steps: string[] };

const config = { driver: 'postgres', database: 'shop', table: 'kafka_outbox' } as StoreConfig;
const logger = createLogger({ level: 'silent' });

function fixture(
  options: { applied?: number[]; tableExists?: boolean; problem?: string; failAt?: string } = {},
) {
  const db: Db = { steps: [] };
  const step = async (name: string) => {
    db.steps.push(name);
    if (name === options.failAt) throw new Error(`${name} failed`);
  };
  const migration = (id: number): Migration<Db> => ({ id, name: `00${id}`, up: () => step(`up ${id}`) });
  const released: boolean[] = [];
  const pool: Pool<Db> = {
    db,
    checkout: async () => ({ db, release: (healthy) => void released.push(healthy) }),
    end: async () => undefined,
  };
  const dialect = {
    driver: 'postgres',
    migration: {
      migrations: [migration(1), migration(2)],
      versionProblem: async () => options.problem ?? null,
      lock: async () => {
        await step('lock');
        return { commit: () => step('commit'), abort: () => step('abort') };
      },
      createMigrationsTable: () => step('migrations table'),
      appliedMigrations: async () => options.applied ?? [],
      recordMigration: (_db, _names, id) => step(`record ${id}`),
      tableExists: async () => options.tableExists ?? false,
      goRelayMigrationVersion: async () => ({ version: '20220408111504', dirty: false }),
      finish: async () => (await step('finish'), { notifyTrigger: 'created' as const }),
    },
  } as Pick<Dialect<Db>, 'driver' | 'migration'> as Dialect<Db>;
  const run = () => migrate(dialect, pool, config, tableNames(config.table), logger);
  return { db, released, run };
}

describe('the migration runner', () => {
  it('applies the pending migrations in order under the lock, records each, and commits', async () => {
    const { db, released, run } = fixture({ applied: [1] });
    await expect(run()).resolves.toEqual({
      applied: ['002'],
      adoptedGoRelayTable: false,
      notifyTrigger: 'created',
    });
    expect(db.steps).toEqual(['lock', 'migrations table', 'up 2', 'record 2', 'finish', 'commit']);
    expect(released).toEqual([true]);
  });

  it('adopts an existing table when the first migration is pending', async () => {
    const { run } = fixture({ tableExists: true });
    await expect(run()).resolves.toMatchObject({ applied: ['001', '002'], adoptedGoRelayTable: true });
  });

  it('aborts the lock and does not reuse the connection when a migration fails', async () => {
    const { db, released, run } = fixture({ failAt: 'up 2' });
    await expect(run()).rejects.toThrow('up 2 failed');
    expect(db.steps).toEqual(['lock', 'migrations table', 'up 1', 'record 1', 'up 2', 'abort']);
    expect(released).toEqual([false]);
  });

  it('refuses a server too old before taking the lock, naming the database', async () => {
    const { db, released, run } = fixture({ problem: 'PostgreSQL 10 is too old' });
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toBe('postgres database shop: PostgreSQL 10 is too old');
    expect(db.steps).toEqual([]);
    expect(released).toEqual([false]);
  });
});
