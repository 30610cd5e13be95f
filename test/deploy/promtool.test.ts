// config/monitoring checked by Prometheus's own promtool: the rules (and their annotation templates) pass
// `promtool check rules`; every alert fires at the moment docs/operations.md states, and not earlier, and
// stays silent without its cause (`promtool test rules` on test/deploy/promtool/alerts.test.yaml); every
// query of the Grafana dashboard parses and returns series when the programs' metrics exist. Series and
// labels that the cases and queries use are ones our programs export (tools/deploy/metric-names.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { repoRoot } from '../../tools/devenv/paths.js';
import { exportedMetrics, seriesNames, type ExportedMetric } from '../../tools/deploy/metric-names.js';
import { requireTool } from '../../tools/deploy/tools.js';

const exec = promisify(execFile);

interface Rule {
  alert: string;
  expr: string;
  annotations?: Record<string, string>;
}
interface RuleGroup {
  name: string;
  rules: Rule[];
}
interface AlertCase {
  eval_time: string;
  alertname: string;
  exp_alerts: unknown[];
}
interface TestFile {
  tests: Array<{ input_series: Array<{ series: string }>; alert_rule_test?: AlertCase[] }>;
}

const KUBE_STATE_METRICS = ['kube_deployment_spec_replicas', 'kube_deployment_status_replicas_available'];
const TARGET_LABELS = ['namespace', 'pod', 'job', 'instance', 'deployment', 'le'];
const ALERT_TESTS = path.join(repoRoot, 'test/deploy/promtool/alerts.test.yaml');

const groups = (
  yaml.load(readFileSync(path.join(repoRoot, 'config/monitoring/prometheusrule.yaml'), 'utf8')) as {
    spec: { groups: RuleGroup[] };
  }
).spec.groups;
const alerts = groups.flatMap((g) => g.rules.map((r) => r.alert));
const metrics = exportedMetrics();
const knownSeries = new Set([...seriesNames(metrics), ...KUBE_STATE_METRICS]);
const knownLabels = new Set([...metrics.flatMap((m) => m.labels), ...TARGET_LABELS]);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** promtool's exit code and output (it prints failures on stdout or stderr, by command). */
async function promtool(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await exec(requireTool('promtool'), args, { cwd: dir });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The rules as a Prometheus rules file; the unit tests take them without annotations (see the header). */
function writeRules(file: string, withAnnotations: boolean): void {
  const out = groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => {
      if (withAnnotations) return r;
      const { annotations: _annotations, ...rest } = r;
      return rest;
    }),
  }));
  writeFileSync(path.join(dir, file), yaml.dump({ groups: out }));
}

/** A series selector's metric name and label names: `name{a="x", b="y"}`. */
function selectorParts(series: string): { name: string; labels: string[] } {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(series.trim());
  if (!match) throw new Error(`not a series selector: ${series}`);
  const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)\s*=/g)].map((m) => m[1] as string);
  return { name: match[1] as string, labels };
}

describe('the alert rules, under promtool', () => {
  it('pass `promtool check rules`, annotation templates included', async () => {
    writeRules('full.yaml', true);
    const { code, out } = await promtool(['check', 'rules', 'full.yaml']);
    expect({ code, out }).toEqual({
      code: 0,
      out: expect.stringContaining(`SUCCESS: ${alerts.length} rules found`),
    });
  });

  it('each fire at their stated moment and not one evaluation earlier (`promtool test rules`)', async () => {
    writeRules('rules.yaml', false);
    writeFileSync(path.join(dir, 'alerts.test.yaml'), readFileSync(ALERT_TESTS));
    const { code, out } = await promtool(['test', 'rules', 'alerts.test.yaml']);
    expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining('SUCCESS') });
  });

  it('fail the unit tests when a case expects a firing too early (the check can fail)', async () => {
    writeRules('rules.yaml', false);
    const cases = yaml.load(readFileSync(ALERT_TESTS, 'utf8')) as TestFile;
    const held = cases.tests.find((t) => t.alert_rule_test?.some((c) => c.alertname === 'OutboxTopicHeld'));
    const silent = held?.alert_rule_test?.find((c) => c.exp_alerts.length === 0);
    const firing = held?.alert_rule_test?.find((c) => c.exp_alerts.length > 0);
    if (!silent || !firing) throw new Error('no OutboxTopicHeld cases to break');
    silent.exp_alerts = firing.exp_alerts;
    writeFileSync(path.join(dir, 'broken.test.yaml'), yaml.dump(cases));
    const { code, out } = await promtool(['test', 'rules', 'broken.test.yaml']);
    expect(code).not.toBe(0);
    expect(out).toContain(`alertname: OutboxTopicHeld, time: ${silent.eval_time}`);
  });

  it('each have a firing case and a silent case, on series and labels our programs export', () => {
    const cases = yaml.load(readFileSync(ALERT_TESTS, 'utf8')) as TestFile;
    const all = cases.tests.flatMap((t) => t.alert_rule_test ?? []);
    const coverage = alerts.map((alert) => ({
      alert,
      fires: all.some((c) => c.alertname === alert && c.exp_alerts.length > 0),
      silent: all.some((c) => c.alertname === alert && c.exp_alerts.length === 0),
    }));
    expect(coverage).toEqual(alerts.map((alert) => ({ alert, fires: true, silent: true })));
    const used = cases.tests.flatMap((t) => t.input_series.map((s) => selectorParts(s.series)));
    expect(used.map((u) => u.name).filter((n) => !knownSeries.has(n))).toEqual([]);
    expect(used.flatMap((u) => u.labels).filter((l) => !knownLabels.has(l))).toEqual([]);
  });
});

interface Dashboard {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
}

const dashboard = JSON.parse(
  readFileSync(path.join(repoRoot, 'config/monitoring/grafana-dashboard.json'), 'utf8'),
) as Dashboard;
const queries = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

/** A query as Prometheus receives it from Grafana, every variable at its "All" value. */
function resolved(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$namespace', '.*')
    .replaceAll('$database', '.*');
}

/** One series a minute for every metric our programs export, with every label they carry. */
function everySeries(exported: ExportedMetric[]): Array<{ series: string; values: string }> {
  const value = (label: string) =>
    ({ namespace: 'shop', database: 'orders', pod: 'relay-a', verb: 'PATCH' })[label] ?? 'x';
  const selector = (name: string, labels: string[]) =>
    `${name}{${['namespace', 'pod', ...labels.filter((l) => l !== 'namespace')].map((l) => `${l}="${value(l)}"`).join(', ')}}`;
  return exported.flatMap((m) => {
    if (!m.histogram) return [{ series: selector(m.name, m.labels), values: '0+1x20' }];
    return [
      ...['0.1', '+Inf'].map((le) => ({
        series: selector(`${m.name}_bucket`, [...m.labels, 'le']).replace('le="x"', `le="${le}"`),
        values: '0+1x20',
      })),
      { series: selector(`${m.name}_sum`, m.labels), values: '0+1x20' },
      { series: selector(`${m.name}_count`, m.labels), values: '0+1x20' },
    ];
  });
}

describe('the Grafana dashboard, under promtool', () => {
  it('has queries that parse and return series from the metrics our programs export', async () => {
    expect(queries.length).toBeGreaterThan(5);
    writeFileSync(path.join(dir, 'empty.yaml'), yaml.dump({ groups: [] }));
    const file = {
      rule_files: ['empty.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: everySeries(metrics),
          // A query that names a metric or label value nothing exports returns no series, and so no count.
          promql_expr_test: queries.map((q) => ({
            expr: `count(${resolved(q.expr)}) > bool 0`,
            eval_time: '10m',
            exp_samples: [{ labels: '{}', value: 1 }],
          })),
        },
      ],
    };
    writeFileSync(path.join(dir, 'dashboard.test.yaml'), yaml.dump(file));
    const { code, out } = await promtool(['test', 'rules', 'dashboard.test.yaml']);
    expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining('SUCCESS') });
  });

  it('groups and matches only by labels the metrics have', () => {
    for (const q of queries) {
      const grouped = [...q.expr.matchAll(/\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g)].flatMap((m) =>
        (m[1] as string)
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean),
      );
      const matched = [...q.expr.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"/g)].map((m) => m[1] as string);
      expect({
        panel: q.panel,
        unknown: [...grouped, ...matched].filter((l) => !knownLabels.has(l)),
      }).toEqual({
        panel: q.panel,
        unknown: [],
      });
    }
  });

  it('shows every metric of the relay and the operator', () => {
    const text = queries.map((q) => q.expr).join('\n');
    const missing = metrics.filter((m) => !new RegExp(`\\b${m.name}(_bucket)?\\b`).test(text));
    expect(missing.map((m) => m.name)).toEqual([]);
  });
});
