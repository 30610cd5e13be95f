// config/monitoring: the alert rules and the dashboard parse as PromQL and use only metrics our programs
// export (or kube-state-metrics' named ones) with their real labels; the PodMonitors, the PrometheusRule
// and the dashboard's ConfigMap are accepted by the API server under prometheus-operator's CRDs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from '../devenv/paths.js';
import { createNamespace, kubectl, type TestNamespace } from '../support/servers.js';
import { exportedMetrics, seriesNames } from './metric-names.js';
import { parsePromQL } from './promql.js';
import { installMonitoringCrds } from './cluster.js';

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
interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

// Series from kube-state-metrics, which every prometheus-operator installation runs.
const KUBE_STATE_METRICS = new Set([
  'kube_deployment_spec_replicas',
  'kube_deployment_status_replicas_available',
]);
// Labels the scrape adds (PodMonitor) or kube-state-metrics' series carry.
const TARGET_LABELS = new Set(['namespace', 'pod', 'job', 'instance', 'deployment', 'le']);

const monitoring = path.join(repoRoot, 'config/monitoring');
const rule = yaml.load(readFileSync(path.join(monitoring, 'prometheusrule.yaml'), 'utf8')) as PrometheusRule;
const rules = rule.spec.groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(path.join(monitoring, 'grafana-dashboard.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: unknown }> };
};
const queries = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);
const metrics = exportedMetrics();
const known = new Set([...seriesNames(metrics), ...KUBE_STATE_METRICS]);
const knownLabels = new Set([...metrics.flatMap((m) => m.labels), ...TARGET_LABELS]);

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
    '%s parses, uses existing metrics and labels, and is documented',
    (_, r) => {
      const facts = parsePromQL(r.expr);
      expect([...facts.metrics].filter((m) => !known.has(m))).toEqual([]);
      expect([...facts.labels].filter((l) => !knownLabels.has(l))).toEqual([]);
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
      expect(r.annotations.description).toBeTruthy();
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
      // Annotations may only name labels the expression keeps.
      const used = [...`${r.annotations.summary} ${r.annotations.description}`.matchAll(/\$labels\.(\w+)/g)];
      expect(used.map((u) => u[1]).filter((l) => !facts.labels.has(l as string))).toEqual([]);
    },
  );

  it('are each explained in docs/operations.md', () => {
    const doc = readFileSync(path.join(repoRoot, 'docs/operations.md'), 'utf8');
    for (const r of rules) expect(doc).toContain(r.alert);
  });

  it('reject a syntax error (the check can fail)', () => {
    expect(() => parsePromQL('sum by (database) (rate(outbox_relay_published_total[5m])')).toThrow();
    expect(() => parsePromQL('rate(outbox_relay_published_total[5 m])')).toThrow();
  });
});

describe('the Grafana dashboard', () => {
  it('queries only metrics that exist, with labels they have', () => {
    expect(queries.length).toBeGreaterThan(5);
    for (const q of queries) {
      const facts = parsePromQL(q.expr);
      expect({ panel: q.panel, unknown: [...facts.metrics].filter((m) => !known.has(m)) }).toEqual({
        panel: q.panel,
        unknown: [],
      });
      expect([...facts.labels].filter((l) => !knownLabels.has(l))).toEqual([]);
    }
  });

  it('shows every metric of the relay and the operator', () => {
    const used = new Set(queries.flatMap((q) => [...parsePromQL(q.expr).metrics]));
    const missing = metrics.filter((m) => !used.has(m.name) && !used.has(`${m.name}_bucket`));
    expect(missing.map((m) => m.name)).toEqual([]);
  });

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
