// A running relay's Prometheus metrics, read from its /metrics: the counters and gauges a benchmark
// compares before and after a phase (each summed over the relay's databases).
export interface RelayMetricsSnapshot {
  published: number;
  shares: number;
  readBackMarked: number;
  batches: number;
  batchSeconds: number;
}

function sum(text: string, name: string): number {
  const line = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)$`, 'gm');
  let total = 0;
  for (const match of text.matchAll(line)) total += Number(match[1]);
  return total;
}

export function parseRelayMetrics(text: string): RelayMetricsSnapshot {
  return {
    published: sum(text, 'outbox_relay_published_total'),
    shares: sum(text, 'outbox_relay_shares'),
    readBackMarked: sum(text, 'outbox_relay_read_back_marked_total'),
    batches: sum(text, 'outbox_relay_batch_duration_seconds_count'),
    batchSeconds: sum(text, 'outbox_relay_batch_duration_seconds_sum'),
  };
}

export async function relayMetrics(httpPort: number): Promise<RelayMetricsSnapshot> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`, {
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`/metrics on port ${httpPort} answered ${response.status}`);
  return parseRelayMetrics(await response.text());
}
