// The short soak of `npm test`, twice per database: the relay as child processes against the local
// servers, an independent writer, and every fault kind of the case at least once. With one relay: relay
// SIGKILL and SIGTERM, Kafka and database restarts, a second relay, cleanup, each kind of poison row. With
// a fleet of 3 to 5 relays in shared mode: relays added, removed, SIGKILLed and SIGSTOPped past their lease,
// besides the relay faults and poison rows of the first case. Nothing committed may be lost, nothing
// uncommitted delivered, per-key order must hold and only poison rows may be errored. The fleet also fails
// on any duplicate: a takeover fences the previous owner's Kafka transactions and reads back what it sent
// (docs/scale-out.md). Every server a fault stops is started again before the soak returns (and checked
// below), so later suites find them up.
import { kafkaPing } from '../../tools/devenv/kafka.js';
import { mariadbPing } from '../../tools/devenv/mariadb.js';
import { postgresPing } from '../../tools/devenv/postgres.js';
import { faultKindsFor, MULTI_RELAY_FAULTS, SERVER_FAULTS, shortOptions, FAULT_KINDS } from './options.js';
import { formatReport } from './report.js';
import { runSoak } from './soak.js';
import { soakServers } from './servers.js';

describe.each(['postgres', 'mysql'] as const)('the short soak on %s', (driver) => {
  afterAll(async () => {
    const s = soakServers().settings;
    expect(
      await Promise.all([kafkaPing(s), driver === 'postgres' ? postgresPing(s) : mariadbPing(s)]),
    ).toEqual([true, true]);
  });

  it('loses nothing, delivers nothing uncommitted, keeps per-key order and errors only poison rows', async () => {
    const report = await runSoak(shortOptions(driver));
    console.log(`short soak on ${driver}\n${formatReport(report)}\nrelay logs: ${report.logDir}`);
    expect(report.result.failures).toEqual([]);
    for (const kind of faultKindsFor(1, new Set(FAULT_KINDS)))
      expect({ kind, injected: (report.faults[kind] ?? 0) > 0 }).toEqual({ kind, injected: true });
    expect(report.result.committed).toBeGreaterThan(100);
    expect(report.result.delivered).toBe(report.result.committed - report.result.poison);
    expect(report.writer.transactions.rolledBack).toBeGreaterThan(0);
  }, 110_000);

  it('with 3 to 5 relays in shared mode, added, removed, killed and stopped, delivers every row once in key order', async () => {
    // Server restarts are the single relay's case above: here the relays' own faults, close together.
    const faults = new Set(FAULT_KINDS.filter((k) => !SERVER_FAULTS.includes(k)));
    const report = await runSoak(
      shortOptions(driver, { relays: 3, failOnDuplicates: true, faults, durationMs: 12_000 }),
    );
    console.log(`short soak on ${driver}, 3 relays\n${formatReport(report)}\nrelay logs: ${report.logDir}`);
    expect(report.result.failures).toEqual([]);
    for (const kind of MULTI_RELAY_FAULTS)
      expect({ kind, injected: (report.faults[kind] ?? 0) > 0 }).toEqual({ kind, injected: true });
    expect(report.result.delivered).toBe(report.result.committed - report.result.poison);
    // Every relay killed or stopped had its shares taken over and read back.
    expect(report.takeovers.readBacks).toBeGreaterThan(0);
    expect(report.relays.range[0]).toBeGreaterThanOrEqual(3);
    expect(report.relays.range[1]).toBeLessThanOrEqual(5);
  }, 110_000);
});
