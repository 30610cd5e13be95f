// The alert rules of config/monitoring on what real relays export. Relays run against the local servers in
// each failure state (the database unreachable from the start, Kafka unreachable with rows waiting, a
// poison row, a backlog older than OutboxOldestPendingTooOld's threshold while Kafka is unreachable) and
// one healthy; each one's /metrics is scraped for real, twice, and the scrapes become promtool input
// series carried on at the measured pace (test/support/scrape-series.ts). `promtool test rules` then
// checks, after every `for:` window has passed, that each relay alert fires for exactly the states it
// describes and stays silent for the others and for the healthy relay.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { repoRoot } from '../../tools/devenv/paths.js';
import { requireTool } from '../../tools/deploy/tools.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { freePort } from '../support/operator.js';
import {
  createTestDb,
  dbQuery,
  httpGet,
  insertRows,
  outboxState,
  relayEnv,
  spawnRelay,
  type RelayProcess,
  type TestDb,
} from '../support/relay-harness.js';
import { inputSeries, type Scrape } from '../support/scrape-series.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';

holdKafkaForFile();

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}

const groups = (
  yaml.load(readFileSync(path.join(repoRoot, 'config/monitoring/prometheusrule.yaml'), 'utf8')) as {
    spec: { groups: Array<{ name: string; rules: Rule[] }> };
  }
).spec.groups;
// The relay's alerts; OutboxRelayNotReady reads kube-state-metrics, not the relay.
const relayAlerts = groups
  .find((g) => g.name === 'kafka-outbox-relay.relay')!
  .rules.filter((r) => r.alert !== 'OutboxRelayNotReady');
const severity = new Map(relayAlerts.map((r) => [r.alert, r.labels?.severity]));
const minutes = (d: string) => Number(/^(\d+)m$/.exec(d)?.[1] ?? NaN);
// Evaluated once every `for:` has passed, with the rate windows full.
const EVAL_MINUTES = Math.max(...relayAlerts.map((r) => (r.for ? minutes(r.for) : 0))) + 1;
const SCRAPE_GAP_MS = 15_000;

type State = 'healthy' | 'database-down' | 'kafka-down' | 'poison-row' | 'old-backlog';

/**
 * The alerts each state should fire, each with its labels beyond severity, namespace and database (a list
 * when it fires once for each of several label sets).
 */
type Labels = Record<string, string>;
const EXPECTED: Record<State, Record<string, Labels | Labels[]>> = {
  healthy: {},
  'database-down': { OutboxRelayNoLeader: {}, OutboxRelayRetrying: { operation: 'migrate' } },
  'kafka-down': {
    OutboxBacklogStalled: {},
    OutboxRelayRetrying: [{ operation: 'connect' }, { operation: 'publish' }],
  },
  'poison-row': { OutboxRowsErrored: {} },
  'old-backlog': {
    OutboxBacklogStalled: {},
    OutboxOldestPendingTooOld: {},
    OutboxRelayRetrying: [{ operation: 'connect' }, { operation: 'publish' }],
  },
};

interface Running {
  state: State;
  db: TestDb;
  relay: RelayProcess;
  port: number;
  scrapes: Scrape[];
}

async function listeningPort(relay: RelayProcess): Promise<number> {
  return eventually('the relay to listen', async () => {
    if (relay.child.exitCode !== null) throw new Error(`the relay exited:\n${relay.output().slice(-2000)}`);
    const port = /"port":(\d+),"msg":"HTTP listening"/.exec(relay.output())?.[1];
    return port ? Number(port) : undefined;
  });
}

async function scrape(r: Running): Promise<void> {
  const { status, body } = await httpGet(r.port, '/metrics');
  if (status !== 200) throw new Error(`${r.state}: /metrics answered ${status}`);
  r.scrapes.push({ at: Date.now(), text: body });
}

describe('the relay alerts on real scrapes, under promtool', () => {
  const databases: TestDatabase<object>[] = [];
  const running: Running[] = [];
  let dir: string;
  let topic: string;

  /** A relay on a database of its own; `env` overrides its settings (an unreachable server). */
  async function start(state: State, env: Record<string, string> = {}): Promise<Running> {
    const { database, db } = await createTestDb('postgres', `alerts_${state.replace('-', '_')}`);
    databases.push(database);
    const relay = spawnRelay(['run'], relayEnv(db, { LOG_LEVEL: 'info', POLL_FREQUENCY_MS: '500', ...env }));
    const r: Running = { state, db, relay, port: await listeningPort(relay), scrapes: [] };
    running.push(r);
    return r;
  }

  const migrated = (r: Running) =>
    eventually(`${r.state}: migrations`, async () =>
      r.relay.output().includes('"msg":"migrations done"') ? true : undefined,
    );
  const leading = (r: Running) =>
    eventually(`${r.state}: the relay to publish`, async () =>
      /"msg":"(leading|publishing its shares)/.test(r.relay.output()) ? true : undefined,
    );

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'alerts-scrape-'));
    topic = await createTopic('alerts-scrape');
    const nowhere = async () => String(await freePort());
    const healthy = await start('healthy');
    await start('database-down', { DB_HOST: '127.0.0.1', DB_PORT: await nowhere() });
    const kafkaDown = await start('kafka-down', { KAFKA_HOST: `127.0.0.1:${await nowhere()}` });
    const poison = await start('poison-row');
    const old = await start('old-backlog', { KAFKA_HOST: `127.0.0.1:${await nowhere()}` });

    await Promise.all([leading(healthy), leading(poison), migrated(kafkaDown), migrated(old)]);
    await insertRows(healthy.db, [{ topic }, { topic }]);
    await insertRows(kafkaDown.db, [{ topic }, { topic }]);
    await insertRows(old.db, [{ topic }, { topic }]);
    await dbQuery(old.db, "UPDATE kafka_outbox SET created_at = created_at - interval '10 minutes'");
    await eventually('the healthy relay to publish', async () =>
      (await outboxState(healthy.db)).every((row) => row.published) ? true : undefined,
    );
    for (const r of running) await scrape(r);

    // Between the scrapes: the healthy relay publishes more, the poison row is errored, and the others
    // keep retrying.
    await insertRows(healthy.db, [{ topic }, { topic }, { topic }]);
    await insertRows(poison.db, [{ topic: '', key: 'poison' }]);
    await eventually('the poison row errored and the healthy rows published', async () => {
      const errored = (await outboxState(poison.db)).every((row) => row.errored);
      const published = (await outboxState(healthy.db)).every((row) => row.published);
      return errored && published ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, SCRAPE_GAP_MS));
    for (const r of running) await scrape(r);
  }, 300_000);

  afterAll(async () => {
    for (const r of running) {
      r.relay.child.kill('SIGTERM');
      await r.relay.exited;
    }
    for (const database of databases) await database.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fire for each failure state what it describes, and nothing for a healthy relay', async () => {
    const rules = groups.map((g) => ({
      ...g,
      rules: g.rules.map(({ alert, expr, for: pending, labels }) => ({ alert, expr, for: pending, labels })),
    }));
    writeFileSync(path.join(dir, 'rules.yaml'), yaml.dump({ groups: rules }));
    const tests = running.map((r) => {
      const target = { namespace: 'shop', pod: `${r.state}-relay` };
      const expected = EXPECTED[r.state];
      return {
        name: r.state,
        interval: '1m',
        input_series: inputSeries(r.scrapes[0]!, r.scrapes[1]!, target, EVAL_MINUTES + 5),
        alert_rule_test: relayAlerts.map(({ alert }) => ({
          eval_time: `${EVAL_MINUTES}m`,
          alertname: alert,
          exp_alerts: [expected[alert] ?? []].flat().map((labels) => ({
            exp_labels: {
              severity: severity.get(alert),
              namespace: 'shop',
              database: r.db.name,
              ...labels,
            },
          })),
        })),
      };
    });
    writeFileSync(
      path.join(dir, 'scrapes.test.yaml'),
      yaml.dump({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }),
    );
    const result = await promisify(execFile)(
      requireTool('promtool'),
      ['test', 'rules', 'scrapes.test.yaml'],
      {
        cwd: dir,
      },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? -1,
        out: `${e.stdout ?? ''}${e.stderr ?? ''}`,
      }),
    );
    expect(result).toEqual({ code: 0, out: expect.stringContaining('SUCCESS') });
  });
});
