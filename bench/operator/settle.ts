// kube-controller-manager is still creating ReplicaSets and writing the status of the last Deployments when
// the last OutboxRelay is reconciled; the idle window starts once a 10 s interval sees no more writes
// (Leases apart) than the control window's rate.
import type { KubeConfig } from '@kubernetes/client-node';
import { apiserverRequests, writesBetween, type RequestCounts } from '../lib/kube.js';
import { operatorWrites } from '../../test/support/operator.js';
import { notLease, sumWrites } from './writes.js';

const INTERVAL_S = 10;

export interface Settled {
  /** Seconds until an interval was as quiet as the control window; undefined if none was within the bound. */
  seconds: number | undefined;
  /** The operator's own writes (Leases apart) while settling. */
  operatorWrites: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowS = () => performance.now() / 1000;

/** Waits, at most `maxSeconds`, until a 10 s interval sees no more API writes than the control window's rate. */
export async function settle(options: {
  kc: KubeConfig;
  operator: { metrics(): Promise<string> };
  controlWrites: Array<[string, number]>;
  controlSeconds: number;
  maxSeconds: number;
}): Promise<Settled> {
  const { kc, operator, controlWrites, controlSeconds, maxSeconds } = options;
  const controlPerInterval = (sumWrites(controlWrites, notLease) * INTERVAL_S) / Math.max(1, controlSeconds);
  const start = nowS();
  let counts: RequestCounts = await apiserverRequests(kc);
  let seconds: number | undefined;
  const ownBefore = operatorWrites(await operator.metrics());
  while (nowS() - start < maxSeconds) {
    await sleep(INTERVAL_S * 1000);
    const next = await apiserverRequests(kc);
    const writes = sumWrites(writesBetween(counts, next), notLease);
    counts = next;
    if (writes <= Math.ceil(controlPerInterval) + 2) {
      seconds = nowS() - start;
      break;
    }
  }
  return { seconds, operatorWrites: operatorWrites(await operator.metrics()) - ownBefore };
}
