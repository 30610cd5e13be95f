// The alerts and the dashboard tell what the OutboxRelay's Publishing condition tells, at the same
// thresholds: a pending row older than the CRD's default spec.relay.stalledAfter is Stalled the moment it
// is (so the alert has no `for` on top), and a held topic is Publishing False at once, alerted after 10
// minutes held.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from '../../tools/devenv/paths.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
}

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const rules = (
  yaml.load(read('config/monitoring/prometheusrule.yaml')) as { spec: { groups: Array<{ rules: Rule[] }> } }
).spec.groups.flatMap((g) => g.rules);
const rule = (name: string) => rules.find((r) => r.alert === name);
const panels = (
  JSON.parse(read('config/monitoring/grafana-dashboard.json')) as {
    panels: Array<{
      title: string;
      targets?: Array<{ expr: string }>;
      fieldConfig?: { defaults?: { thresholds?: { steps: Array<{ value: number | null }> } } };
    }>;
  }
).panels;
const panelOf = (metric: string) => panels.find((p) => p.targets?.some((t) => t.expr.includes(metric)));

/** spec.relay.stalledAfter's default in the CRD, in seconds. */
function stalledAfterSeconds(): number {
  const crd = yaml.load(read('crds/outboxrelays.yaml')) as {
    spec: { versions: Array<{ schema: { openAPIV3Schema: any } }> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const value = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.relay.properties
    .stalledAfter.default as string;
  const m = /^(\d+)(s|m|h)$/.exec(value);
  if (!m) throw new Error(`stalledAfter's default is not a duration: ${value}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}

const threshold = (expr: string) => Number(/>\s*(\d+)\s*$/.exec(expr.trim())?.[1]);

describe('the alerts and the dashboard against the Publishing condition', () => {
  it('alert on an oldest pending row past the default stalledAfter (300 s), with no `for` on top', () => {
    const stalled = rule('OutboxOldestPendingTooOld');
    expect(stalledAfterSeconds()).toBe(300);
    expect(stalled?.expr).toContain('outbox_relay_oldest_pending_age_seconds');
    expect(threshold(stalled!.expr)).toBe(stalledAfterSeconds());
    expect(stalled?.for).toBeUndefined();
  });

  it('alert on a topic held for 10 minutes', () => {
    const held = rule('OutboxTopicHeld');
    expect(held?.expr).toMatch(/max by \(namespace, database\) \(outbox_relay_held_topics\) > 0/);
    expect(held?.for).toBe('10m');
  });

  it('draw the same thresholds on the dashboard', () => {
    const steps = (metric: string) =>
      panelOf(metric)?.fieldConfig?.defaults?.thresholds?.steps.map((s) => s.value) ?? [];
    expect(steps('outbox_relay_oldest_pending_age_seconds')).toEqual([null, stalledAfterSeconds()]);
    expect(steps('outbox_relay_held_topics')).toEqual([null, 1]);
  });
});
