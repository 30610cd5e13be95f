// The store contract, leadership: one relay per table.
import { eventually, uniqueName } from '../../support/servers.js';
import type { StoreHarness } from './harness.js';
import type { ContractContext } from './store-contract.js';

export function describeLeadershipContract(t: ContractContext): void {
  const { open, migrated } = t;
  let harness: StoreHarness;
  beforeAll(() => {
    harness = t.harness();
  });

  describe('leadership', () => {
    it('is exclusive between two stores on the same table and passes on after release', async () => {
      const table = (await migrated()).table;
      const lossReports = () => t.logLines().filter((line) => line.includes('leadership connection')).length;
      const reportsBefore = lossReports();
      const a = await open(table);
      const b = await open(table);
      const held = await a.acquireLeadership();
      expect(held).not.toBeNull();
      expect(await b.acquireLeadership()).toBeNull();
      const elsewhere = await (await open(uniqueName('other', '_'))).acquireLeadership();
      expect(elsewhere).not.toBeNull();
      await elsewhere!.release();
      await held!.release();
      await held!.lost;
      const next = await b.acquireLeadership();
      expect(next).not.toBeNull();
      await next!.release();
      // Refusals and releases are not losses: nothing is reported.
      expect(lossReports()).toBe(reportsBefore);
    });

    it('is given up when its store is closed', async () => {
      const table = (await migrated()).table;
      const first = await open(table);
      const held = await first.acquireLeadership();
      expect(held).not.toBeNull();
      await first.close();
      await held!.lost;
      const next = await (await open(table)).acquireLeadership();
      expect(next).not.toBeNull();
      await next!.release();
    });

    it("resolves `lost` when the lock's session is killed, and the lock is free again", async () => {
      const store = await migrated();
      const held = await store.acquireLeadership();
      expect(held).not.toBeNull();
      let lost = false;
      void held!.lost.then(() => {
        lost = true;
      });
      await harness.killLeaderSession(store);
      await eventually('leadership lost', async () => (lost ? true : undefined), 20_000);
      const next = await eventually(
        'leadership free again',
        async () => (await (await open(store.table)).acquireLeadership()) ?? undefined,
        20_000,
      );
      await next.release();
      await held!.release();
    });
  });
}
