// What a soak reads from a running relay's /metrics: how many shares it holds (outbox_relay_shares, summed
// over its databases), to tell that a relay continued after a SIGSTOP publishes again.
const SHARES = /^outbox_relay_shares(?:\{[^}]*\})?\s+(\S+)$/gm;

/** The shares the relay on `port` holds now (0 in standby mode or before it took any). */
export async function sharesHeld(port: number, timeoutMs = 2_000): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseShares(await response.text());
}

export function parseShares(text: string): number {
  let total = 0;
  for (const match of text.matchAll(SHARES)) total += Number(match[1]);
  return total;
}
