// The metrics our programs export, read from their sources (relay/metrics.ts, operator/metrics.ts), so
// alert rules and dashboards can be checked against what actually exists.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../devenv/paths.js';

export interface ExportedMetric {
  name: string;
  labels: string[];
  histogram: boolean;
}

export function exportedMetrics(): ExportedMetric[] {
  return ['relay/metrics.ts', 'operator/metrics.ts'].flatMap((file) => {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    return [...text.matchAll(/new (Counter|Gauge|Histogram)\(\{([\s\S]*?)\n\s*\}\)/g)].map((m) => {
      const body = m[2] as string;
      const name = /name: '([a-z_:]+)'/.exec(body)?.[1];
      if (!name) throw new Error(`${file}: a ${m[1]} without a literal name`);
      const labels = /labelNames: \[([^\]]*)\]/.exec(body)?.[1] ?? '';
      return {
        name,
        labels: [...labels.matchAll(/'(\w+)'/g)].map((l) => l[1] as string),
        histogram: m[1] === 'Histogram',
      };
    });
  });
}

/** Every series name a query may use: histograms add _bucket, _sum and _count. */
export function seriesNames(metrics: ExportedMetric[]): Set<string> {
  return new Set(
    metrics.flatMap((m) =>
      m.histogram ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
    ),
  );
}
