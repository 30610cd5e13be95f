// The OutboxStore contract, run against each dialect on its real local server (postgres.test.ts,
// mysql.test.ts). Every test works on a table of its own in the file's own database.
import { Writable } from 'node:stream';
import { createStore } from '../../../relay/db/create-store.js';
import type { OutboxStore } from '../../../relay/db/store.js';
import { createLogger, type Logger } from '../../../relay/logger.js';
import { uniqueName } from '../../support/servers.js';
import { describeClaimContract } from './contract-claim.js';
import { describeErrorsContract } from './contract-errors.js';
import { describeLeadershipContract } from './contract-leadership.js';
import { describeMaintenanceContract } from './contract-maintenance.js';
import { describeMigrateContract } from './contract-migrate.js';
import { describeOutcomeContract } from './contract-outcomes.js';
import type { StoreHarness } from './harness.js';

export interface ContractContext {
  harness: () => StoreHarness;
  migrationCount: number;
  logger: Logger;
  /** Closes the store after the test. */
  track: (store: OutboxStore) => void;
  migrated: () => Promise<OutboxStore>;
  /** Opens a store on a fresh table (or the given one); closed after the test. */
  open: (table?: string) => Promise<OutboxStore>;
  logLines: () => string[];
}

export function describeStoreContract(
  setUp: () => Promise<StoreHarness>,
  /** How many migrations the dialect has. */
  MIGRATION_COUNT: number,
  dialectTests?: (context: ContractContext) => void,
): void {
  let harness: StoreHarness;
  const logs: string[] = [];
  const logger = createLogger(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  let stores: OutboxStore[] = [];

  beforeAll(async () => {
    harness = await setUp();
  });

  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
    stores = [];
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function open(table = uniqueName('outbox', '_')): Promise<OutboxStore> {
    const store = await createStore(harness.config(table), logger);
    stores.push(store);
    return store;
  }

  async function migrated(): Promise<OutboxStore> {
    const store = await open();
    await store.migrate();
    return store;
  }

  const context: ContractContext = {
    harness: () => harness,
    migrationCount: MIGRATION_COUNT,
    logger,
    track: (store) => stores.push(store),
    open,
    migrated,
    logLines: () => logs,
  };
  describeMigrateContract(context);
  describeClaimContract(context);
  describeOutcomeContract(context);
  describeMaintenanceContract(context);
  describeLeadershipContract(context);
  describeErrorsContract(context);
  dialectTests?.(context);
}
