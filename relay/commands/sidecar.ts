// After a job, tell an Istio sidecar to exit (POST <url>/quitquitquit) so the Kubernetes Job can complete,
// as the Go relay did. A failure is logged, not fatal: the job's own work is done.
import type { Logger } from '../logger.js';

export async function quitSidecar(
  url: string | undefined,
  logger: Logger,
  fetchFn: typeof fetch = fetch,
): Promise<void> {
  if (!url) return;
  const target = `${url.replace(/\/+$/, '')}/quitquitquit`;
  try {
    const response = await fetchFn(target, { method: 'POST', signal: AbortSignal.timeout(5000) });
    logger.info({ status: response.status }, 'asked the sidecar proxy to quit');
  } catch (error) {
    logger.warn({ err: error }, 'cannot reach the sidecar proxy');
  }
}
