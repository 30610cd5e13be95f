// config/monitoring: every alert is documented, with a severity and annotations that name only labels its
// firing case carries (test/deploy/promtool/alerts.test.yaml, run by promtool in promtool.test.ts, which
// also checks the PromQL of the rules and the dashboard); the dashboard offers its variables; the
// PodMonitors, the PrometheusRule and the dashboard's ConfigMap are accepted by the API server under
// prometheus-operator's CRDs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from '../../tools/devenv/paths.js';
import { createNamespace, kubectl, type TestNamespace } from '../support/servers.js';
import { installMonitoringCrds } from '../../tools/deploy/cluster.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface PrometheusRule {
  apiVersion: string;
  kind: string;
  spec: { groups: Array<{ name: string; rules: Rule[] }> };
}
const monitoring = path.join(repoRoot, 'config/monitoring');
const rule = yaml.load(readFileSync(path.join(monitoring, 'prometheusrule.yaml'), 'utf8')) as PrometheusRule;
const rules = rule.spec.groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(path.join(monitoring, 'grafana-dashboard.json'), 'utf8')) as {
  uid: string;
  templating: { list: Array<{ name: string; query: unknown }> };
};

/** The labels each alert's firing cases in the promtool tests carry. */
function firingLabels(): Map<string, Set<string>> {
  const file = yaml.load(
    readFileSync(path.join(repoRoot, 'test/deploy/promtool/alerts.test.yaml'), 'utf8'),
  ) as {
    tests: Array<{
      alert_rule_test?: Array<{
        alertname: string;
        exp_alerts: Array<{ exp_labels: Record<string, string> }>;
      }>;
    }>;
  };
  const labels = new Map<string, Set<string>>();
  for (const c of file.tests.flatMap((t) => t.alert_rule_test ?? [])) {
    const set = labels.get(c.alertname) ?? new Set<string>();
    for (const a of c.exp_alerts) for (const l of Object.keys(a.exp_labels)) set.add(l);
    labels.set(c.alertname, set);
  }
  return labels;
}
const fired = firingLabels();

describe('the alert rules', () => {
  it('alert on a growing backlog, stalled rows, errored rows and a relay that is not ready', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'OutboxBacklogGrowing',
        'OutboxBacklogStalled',
        'OutboxRowsErrored',
        'OutboxRelayNotReady',
        'OutboxRelayNoLeader',
      ]),
    );
  });

  it.each(rules.map((r) => [r.alert, r]))(
    '%s has a severity, a summary and a description naming only the labels it fires with',
    (_, r) => {
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
      expect(r.annotations.description).toBeTruthy();
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
      const used = [...`${r.annotations.summary} ${r.annotations.description}`.matchAll(/\$labels\.(\w+)/g)];
      const carried = fired.get(r.alert) ?? new Set<string>();
      expect(used.map((u) => u[1]).filter((l) => !carried.has(l as string))).toEqual([]);
    },
  );

  it('are each explained in docs/operations.md', () => {
    const doc = readFileSync(path.join(repoRoot, 'docs/operations.md'), 'utf8');
    for (const r of rules) expect(doc).toContain(r.alert);
  });
});

describe('the Grafana dashboard', () => {
  it('lets the user pick the data source, namespace and database', () => {
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'database']);
    expect(dashboard.uid).toBe('kafka-outbox-relay');
  });
});

describe('kubectl apply -k config/monitoring', () => {
  let ns: TestNamespace;

  beforeAll(async () => {
    await installMonitoringCrds();
    ns = await createNamespace('monitoring');
  });

  afterAll(async () => {
    await ns?.remove();
  });

  it('creates the PodMonitors, the PrometheusRule and the dashboard ConfigMap', async () => {
    const built = yaml.loadAll(await kubectl(['kustomize', monitoring])) as Array<{
      kind: string;
      metadata: { name: string; namespace?: string };
    }>;
    for (const doc of built) doc.metadata.namespace = ns.name;
    const out = await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      built.map((d) => yaml.dump(d)).join('---\n'),
    );
    expect(out).toContain('prometheusrule.monitoring.coreos.com/kafka-outbox-relay created');
    expect(out).toContain('podmonitor.monitoring.coreos.com/kafka-outbox-relay created');
    expect(out).toContain('podmonitor.monitoring.coreos.com/outbox-relay-operator created');
    expect(out).toContain('configmap/kafka-outbox-relay-dashboard created');
    const stored = JSON.parse(
      await kubectl(['get', 'configmap', 'kafka-outbox-relay-dashboard', '-n', ns.name, '-o', 'json']),
    ) as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    expect(stored.metadata.labels.grafana_dashboard).toBe('1');
    expect(JSON.parse(stored.data['grafana-dashboard.json'] as string).uid).toBe('kafka-outbox-relay');
  });
});
