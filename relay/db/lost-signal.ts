// A promise that resolves once, when a dedicated connection is found dead: by its own error or end events,
// or by a heartbeat query that fails or hangs (a silent network partition raises no event).
export interface LostSignal {
  readonly lost: Promise<void>;
  readonly isLost: () => boolean;
  markLost(): void;
  /** Runs `probe` every `intervalMs`; a failure or a probe slower than `timeoutMs` marks the signal lost. */
  startHeartbeat(probe: () => Promise<unknown>, intervalMs: number, timeoutMs: number): void;
  stopHeartbeat(): void;
}

export function lostSignal(onLost: () => void): LostSignal {
  let resolve!: () => void;
  const lost = new Promise<void>((r) => {
    resolve = r;
  });
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let probing = false;
  const signal: LostSignal = {
    lost,
    isLost: () => done,
    markLost() {
      if (done) return;
      done = true;
      signal.stopHeartbeat();
      resolve();
      onLost();
    },
    startHeartbeat(probe, intervalMs, timeoutMs) {
      timer = setInterval(() => {
        if (probing || done) return;
        probing = true;
        let timeout: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new Error('heartbeat timed out')), timeoutMs);
        });
        Promise.race([probe(), expired])
          .catch(() => signal.markLost())
          .finally(() => {
            clearTimeout(timeout);
            probing = false;
          });
      }, intervalMs);
      timer.unref();
    },
    stopHeartbeat() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
  return signal;
}
