// npm run soak -- [--driver postgres|mysql] [--duration 10m] [--short] [--faults all|none|kind,...]
//                 [--without kind,...] [--no-server-faults] [--relays 1|3-5] [--share-lease 3s]
//                 [--fail-on-duplicates] [--seed n] [--rate n] [--log-dir dir]
// Runs one soak against the local servers (those of OUTBOX_RELAY_DEVENV_PORT_BASE / _DIR when set), prints
// its table, and exits 1 on any loss, order violation, delivered uncommitted row or unexpected errored row
// (and duplicate, with several relays).
import { parseArgs } from 'node:util';
import {
  FAULT_KINDS,
  FLEET_MAX,
  FLEET_MIN,
  MULTI_RELAY_FAULTS,
  SERVER_FAULTS,
  fullOptions,
  parseDuration,
  parseFaultList,
  shortOptions,
  type SoakOptions,
} from './options.js';
import { formatReport, passed } from './report.js';
import { runSoak } from './soak.js';

const USAGE = `usage: npm run soak -- [options]

  --driver postgres|mysql   the database (default postgres; mysql means MariaDB/MySQL)
  --duration 10m            how long faults are injected (default 10m; with --short 15s, or until every kind happened once)
  --short                   the short variant of npm test: faults close together
  --faults list             fault kinds to inject (default all): ${FAULT_KINDS.join(', ')}
  --without list            fault kinds not to inject
  --no-server-faults        never stop a server (same as --without ${SERVER_FAULTS.join(',')})
  --relays n                1 (default: one relay, now and then a second) or ${FLEET_MIN} to ${FLEET_MAX}: a fleet in shared
                            mode kept between ${FLEET_MIN} and ${FLEET_MAX} relays, with the faults ${MULTI_RELAY_FAULTS.join(', ')}
  --share-lease 3s          SHARE_LEASE_MS of a fleet (default 3s, so that takeovers happen often)
  --fail-on-duplicates      fail on any message delivered twice (the default with --relays above 1;
                            --no-fail-on-duplicates counts them only)
  --rate n                  writer transactions per second (default 20)
  --fault-gap 2s-12s        the pause between two faults, drawn from this range (default 2s-12s)
  --seed n                  replay the random choices of an earlier run
  --log-dir dir             where relay logs go (default: a new temporary folder)`;

function options(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      driver: { type: 'string', default: 'postgres' },
      duration: { type: 'string' },
      short: { type: 'boolean', default: false },
      faults: { type: 'string', default: 'all' },
      without: { type: 'string', default: '' },
      'no-server-faults': { type: 'boolean', default: false },
      relays: { type: 'string', default: '1' },
      'share-lease': { type: 'string' },
      'fail-on-duplicates': { type: 'boolean' },
      'no-fail-on-duplicates': { type: 'boolean' },
      rate: { type: 'string' },
      'fault-gap': { type: 'string' },
      seed: { type: 'string' },
      'log-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.driver !== 'postgres' && values.driver !== 'mysql')
    throw new Error(`--driver: postgres or mysql`);
  const faults = parseFaultList(values.faults);
  for (const kind of parseFaultList(values.without)) faults.delete(kind);
  if (values['no-server-faults']) SERVER_FAULTS.forEach((k) => faults.delete(k));
  const relays = Number(values.relays);
  const overrides: Partial<SoakOptions> = {
    faults,
    relays,
    failOnDuplicates: values['no-fail-on-duplicates'] ? false : (values['fail-on-duplicates'] ?? relays > 1),
    log: (line) => console.log(line),
  };
  if (values['share-lease']) overrides.shareLeaseMs = parseDuration(values['share-lease']);
  if (values.duration) overrides.durationMs = parseDuration(values.duration);
  if (values.rate) overrides.transactionsPerSecond = Number(values.rate);
  if (values['fault-gap']) {
    const [min, max] = values['fault-gap'].split('-').map(parseDuration);
    if (min === undefined || max === undefined || min > max) throw new Error('--fault-gap: e.g. 1s-5s');
    overrides.faultGapMs = [min, max];
  }
  if (values.seed) overrides.seed = Number(values.seed);
  if (values['log-dir']) overrides.logDir = values['log-dir'];
  return values.short ? shortOptions(values.driver, overrides) : fullOptions(values.driver, overrides);
}

async function main(): Promise<number> {
  const chosen = options(process.argv.slice(2));
  const report = await runSoak(chosen);
  console.log(`\n${formatReport(report)}\n\nrelay logs: ${report.logDir}`);
  return passed(report) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
