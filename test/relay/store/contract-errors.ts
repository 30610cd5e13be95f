// The store contract, errors: classification and secrecy.
import { createStore } from '../../../relay/db/create-store.js';
import { errorChain } from '../../../relay/error-chain.js';
import { ConfigError, DatabaseError } from '../../../relay/errors.js';
import type { StoreHarness } from './harness.js';
import type { ContractContext } from './store-contract.js';

export function describeErrorsContract(t: ContractContext): void {
  const { open, logger } = t;
  let harness: StoreHarness;
  beforeAll(() => {
    harness = t.harness();
  });

  describe('errors', () => {
    it('rejects a table name that is not an identifier before touching the database', async () => {
      await expect(createStore(harness.config('outbox; DROP TABLE x'), logger)).rejects.toThrow(ConfigError);
      await expect(createStore(harness.config('`outbox`'), logger)).rejects.toThrow(ConfigError);
    });

    it('fails on a closed port with a retriable DatabaseError that does not show the password', async () => {
      const password = 'pw-that-must-not-leak-7c1e';
      const store = await createStore(
        { ...harness.config('outbox'), host: '127.0.0.1', port: 1, password },
        logger,
      );
      t.track(store);
      for (const call of [() => store.ping(), () => store.migrate(), () => store.acquireLeadership()]) {
        const error: unknown = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DatabaseError);
        expect((error as DatabaseError).retriable).toBe(true);
        expect((error as DatabaseError).message).toMatch(/ECONNREFUSED/);
        expect((error as DatabaseError).message).not.toContain(password);
      }
      expect(t.logLines().join('')).not.toContain(password);
    });

    it('fails on a wrong password with a ConfigError naming DB_PASS that does not show it', async () => {
      const password = 'wrong-pw-3b9d';
      const store = await createStore({ ...harness.config('outbox'), password }, logger);
      t.track(store);
      const error: unknown = await store.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe('DB_PASS');
      expect((error as ConfigError).retriable).toBe(false);
      expect((error as ConfigError).message).toMatch(/password|Access denied/i);
      expect((error as ConfigError).message).not.toContain(password);
      expect(JSON.stringify(errorChain(error).map((e) => String((e as Error).stack)))).not.toContain(
        password,
      );
    });

    it('speaks TLS when asked: require connects to the local server, which serves TLS', async () => {
      const store = await createStore({ ...harness.config('outbox'), tls: { mode: 'require' } }, logger);
      t.track(store);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("refuses a server certificate no trusted CA signed (the system's CAs), naming DB_TLS_CA_FILE", async () => {
      const store = await createStore({ ...harness.config('outbox'), tls: { mode: 'verify-ca' } }, logger);
      t.track(store);
      const error: unknown = await store.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe('DB_TLS_CA_FILE');
      expect((error as ConfigError).retriable).toBe(false);
    });

    it('fails on a missing table with an error that is not retriable', async () => {
      const error: unknown = await (await open()).claim(1, 60_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).retriable).toBe(false);
      expect((error as DatabaseError).code).toBeDefined();
    });

    it('never writes the password to the logs', () => {
      expect(t.logLines().join('')).not.toContain(harness.config('x').password);
    });
  });
}
