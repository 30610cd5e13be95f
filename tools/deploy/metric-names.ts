// The metrics our programs export, read from their own registries (relay/metrics.ts and
// operator/metrics.ts with what registers on them: the status report's counter, the caches' metrics;
// built as the programs build them), so alert rules, the dashboard and the docs are
// checked against what actually exists. The runtime's default metrics (process_*, nodejs_*) are left out.
import { Histogram } from 'prom-client';
import { registerCacheMetrics } from '../../operator/cache-metrics.js';
import { createMetrics as operatorMetrics } from '../../operator/metrics.js';
import { createLogger } from '../../relay/logger.js';
import { createMetrics as relayMetrics } from '../../relay/metrics.js';
import { registerReportMetrics } from '../../relay/report/reporting.js';

export interface ExportedMetric {
  name: string;
  labels: string[];
  histogram: boolean;
}

const DEFAULT_METRICS = /^(outbox_operator_)?(process_|nodejs_)/;

function describe(metric: unknown): ExportedMetric {
  const { name, labelNames } = metric as { name: string; labelNames: string[] };
  return { name, labels: [...labelNames], histogram: metric instanceof Histogram };
}

export function exportedMetrics(): ExportedMetric[] {
  const relay = relayMetrics({ stores: () => [], logger: createLogger({ level: 'silent' }) }).registry;
  registerReportMetrics(relay);
  const operator = operatorMetrics(() => 0).registry;
  registerCacheMetrics(operator, {
    cachedObjects: () => [],
    secretWatches: () => ({ byName: 0, byNamespace: 0 }),
  });
  const registries = [relay, operator];
  return registries
    .flatMap((r) => r.getMetricsAsArray())
    .map(describe)
    .filter((m) => !DEFAULT_METRICS.test(m.name));
}

/** Every series name a query may use: histograms add _bucket, _sum and _count. */
export function seriesNames(metrics: ExportedMetric[]): Set<string> {
  return new Set(
    metrics.flatMap((m) =>
      m.histogram ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
    ),
  );
}
