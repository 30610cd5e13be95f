// The hand-written documentation stays true to the code: every condition reason has its troubleshooting
// section, every metric is described, the partition examples are what the partitioners compute, and
// links between documents lead somewhere.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { Reason } from '../../operator/api/reasons.js';
import { fnv1aPartitioner, murmur2Partitioner } from '../../relay/kafka/partitioners.js';
import { exportedMetrics } from '../../tools/deploy/metric-names.js';
import { repoRoot } from './configuration-reference.js';

const docs = path.join(repoRoot, 'docs');
const read = (name: string) => readFileSync(path.join(docs, name), 'utf8');
const markdown = readdirSync(docs).filter((f) => f.endsWith('.md'));

// Values that hold free-form Kubernetes fields (or a whole OutboxRelay spec) are documented as one.
const FREE_FORM = new Set([
  'resources',
  'nodeSelector',
  'tolerations',
  'affinity',
  'podAnnotations',
  'podLabels',
  'spec',
  'labels',
  'annotations',
]);

function valuePaths(values: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const here = prefix ? `${prefix}.${key}` : key;
    const nested =
      value !== null && typeof value === 'object' && !Array.isArray(value) && !FREE_FORM.has(key);
    return nested ? valuePaths(value as Record<string, unknown>, here) : [here];
  });
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function anchors(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      (m[1] as string)
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('docs/', () => {
  it.each(Object.values(Reason))('troubleshooting.md has a section for the reason %s', (reason) => {
    expect(read('troubleshooting.md')).toContain(`### \`${reason}\``);
  });

  it.each(exportedMetrics().map((m) => m.name))('operations.md describes the metric %s', (name) => {
    expect(read('operations.md')).toContain(`\`${name}`);
  });

  it("shows the partitions the relay's partitioners compute", () => {
    const text = read('keys-and-partitioners.md');
    const table = text.slice(
      text.indexOf('<!-- partition-vectors:start -->'),
      text.indexOf('<!-- partition-vectors:end -->'),
    );
    const rows = [...table.matchAll(/^\| `([^`]+)` +\| (\d+) +\| (\d+) +\| (\d+) +\| (\d+) +\|$/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const [, key, f3, f12, m3, m12] of rows) {
      const k = key as string;
      expect([
        k,
        fnv1aPartitioner(k, 3),
        fnv1aPartitioner(k, 12),
        murmur2Partitioner(k, 3),
        murmur2Partitioner(k, 12),
      ]).toEqual([k, Number(f3), Number(f12), Number(m3), Number(m12)]);
    }
  });

  it.each(markdown)('%s links only to files and headings that exist', (name) => {
    // Code spans and blocks are not links (a pattern such as ([A-Z]) would look like one).
    const text = read(name)
      .replace(/```[\s\S]*?```/g, '')
      .replace(/`[^`\n]*`/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = target as string;
      if (/^[a-z]+:/.test(link)) continue;
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const resolved = file === '' ? path.join(docs, name) : path.resolve(docs, file);
      expect(existsSync(resolved) ? link : `missing: ${link}`).toBe(link);
      if (anchor && resolved.endsWith('.md')) {
        expect(anchors(readFileSync(resolved, 'utf8')).has(anchor) ? link : `no heading: ${link}`).toBe(link);
      }
    }
  });

  it('deploying.md describes every value of the Helm chart', () => {
    const values = yaml.load(
      readFileSync(path.join(repoRoot, 'charts/kafka-outbox-relay/values.yaml'), 'utf8'),
    );
    const doc = read('deploying.md');
    const missing = valuePaths(values as Record<string, unknown>).filter((p) => {
      const dot = p.lastIndexOf('.');
      const parent = p.slice(0, dot);
      const last = p.slice(dot + 1);
      return (
        !doc.includes(`\`${p}\``) &&
        !(dot > 0 && doc.includes(`\`${parent}.`) && doc.includes(`\`.${last}\``))
      );
    });
    expect(missing).toEqual([]);
  });

  it.each(markdown)('%s names no path of a particular machine', (name) => {
    expect(read(name)).not.toMatch(/\/(work|root|home|Users)\/[\w.-]+\//);
  });
});
