import { MIGRATIONS } from '../../../relay/db/postgres/migrations.js';
import pg from 'pg';
import { eventually } from '../../support/servers.js';
import { postgresHarness } from './postgres-harness.js';
import { describeStoreContract } from './store-contract.js';

describe('the PostgreSQL outbox store', () => {
  describeStoreContract(
    () => postgresHarness('store_pg'),
    MIGRATIONS.length,
    ({ harness, open }) => {
      describe('listen', () => {
        it('wakes on a committed insert and not on a rolled-back one', async () => {
          const store = await open();
          await store.migrate();
          let wakes = 0;
          const stop = await store.listen(() => {
            wakes += 1;
          });
          expect(stop).toBeDefined();
          const client = new pg.Client({ ...harness().config(store.table), ssl: false });
          await client.connect();
          try {
            await client.query('BEGIN');
            await client.query(
              `INSERT INTO "${store.table}" (topic, payload_json, payload_headers) VALUES ('t', '{}', '{}')`,
            );
            await client.query('ROLLBACK');
            // Notifications arrive in commit order: had the rolled-back insert notified, it would come first.
            await harness().insertRows(store.table, [{}]);
            await eventually('a wake-up', async () => (wakes > 0 ? wakes : undefined), 10_000);
            await client.query('SELECT 1');
            expect(wakes).toBe(1);
          } finally {
            await client.end();
            await stop!();
          }
        });

        it('listens again after its connection is killed', async () => {
          const store = await open();
          await store.migrate();
          let wakes = 0;
          const stop = await store.listen(() => {
            wakes += 1;
          });
          const admin = new pg.Client({ ...harness().config(store.table), ssl: false });
          await admin.connect();
          try {
            const { rows } = await admin.query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
            );
            expect(rows).toHaveLength(1);
            await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
            await eventually('LISTEN restored', async () => {
              const { rows: now } = await admin.query<{ pid: number }>(
                `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
              );
              return now.length === 1 && now[0]!.pid !== rows[0]!.pid ? true : undefined;
            });
            const before = wakes;
            await harness().insertRows(store.table, [{}]);
            await eventually(
              'a wake-up after reconnecting',
              async () => (wakes > before ? true : undefined),
              10_000,
            );
          } finally {
            await admin.end();
            await stop!();
          }
        });
      });
    },
  );
});
