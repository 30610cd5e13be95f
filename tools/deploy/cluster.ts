// Cluster-wide prerequisites of the deployment tests on the local control plane: prometheus-operator's
// CRDs (PodMonitor, PrometheusRule) from the tools cache, applied idempotently like our own CRD.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually, kubectl } from '../../test/support/servers.js';
import { ensureTool } from './install.js';
import { PROMETHEUS_OPERATOR_CRDS, prometheusOperatorCrdDir } from './tools.js';

async function established(crd: string): Promise<void> {
  await eventually(`${crd} to be established`, async () => {
    const out = await kubectl([
      'get',
      'crd',
      crd,
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Established")].status}',
    ]);
    return out.trim() === 'True' ? true : undefined;
  });
}

export async function installMonitoringCrds(): Promise<void> {
  await ensureTool('prometheusOperatorCrds');
  for (const file of PROMETHEUS_OPERATOR_CRDS) {
    await kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=outbox-tests', '-f', '-'],
      readFileSync(path.join(prometheusOperatorCrdDir(), file), 'utf8'),
    );
  }
  await established('podmonitors.monitoring.coreos.com');
  await established('prometheusrules.monitoring.coreos.com');
}
