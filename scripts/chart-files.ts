// The chart carries copies of files whose source lives elsewhere in the repository (the CRD, the operator's
// rules, the monitoring objects, the Argo CD health check), because a packaged chart cannot follow
// symbolic links and helm warns about each one. `npx tsx scripts/chart-files.ts` writes the copies;
// scripts/chart-files.test.ts fails when a copy drifts from its source or a symlink comes back.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHART = 'charts/kafka-outbox-relay';
export const SYNC_COMMAND = 'npx tsx scripts/chart-files.ts';

/** Each copy in the chart and its source, relative to the repository root. */
export const CHART_COPIES: ReadonlyArray<{ copy: string; source: string }> = [
  { copy: `${CHART}/crds/outboxrelays.yaml`, source: 'crds/outboxrelays.yaml' },
  { copy: `${CHART}/files/operator-role.yaml`, source: 'config/rbac/role.yaml' },
  { copy: `${CHART}/files/prometheusrule.yaml`, source: 'config/monitoring/prometheusrule.yaml' },
  { copy: `${CHART}/files/grafana-dashboard.json`, source: 'config/monitoring/grafana-dashboard.json' },
  { copy: `${CHART}/files/argocd-health.lua`, source: 'config/argocd/health.lua' },
];

/** The copies that differ from their source. */
export function drifted(root = repoRoot): string[] {
  const read = (p: string) => readFileSync(path.join(root, p));
  return CHART_COPIES.filter(({ copy, source }) => !read(copy).equals(read(source))).map((c) => c.copy);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const { copy, source } of CHART_COPIES) {
    // copyFileSync onto a symlink would write through it into the source: remove the link first.
    rmSync(path.join(repoRoot, copy), { force: true });
    copyFileSync(path.join(repoRoot, source), path.join(repoRoot, copy));
    console.log(`${copy} <- ${source}`);
  }
}
