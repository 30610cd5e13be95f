import { MIGRATIONS } from '../../../relay/db/mysql/migrations.js';
import { mysqlHarness } from './mysql-harness.js';
import { describeStoreContract } from './store-contract.js';

describe('the MySQL/MariaDB outbox store', () => {
  describeStoreContract(
    () => mysqlHarness('store_mysql'),
    MIGRATIONS.length,
    ({ open }) => {
      describe('listen', () => {
        it('resolves to undefined: MySQL has no notifications, the engine polls', async () => {
          await expect((await open()).listen(() => undefined)).resolves.toBeUndefined();
        });
      });
    },
  );
});
