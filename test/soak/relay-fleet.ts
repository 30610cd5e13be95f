// The relays of a soak: one primary relay kept running (restarted after every kill), a second relay on the
// same table now and then, and cleanup jobs. Whatever a relay does that it should not (exit by itself,
// exit non-zero on SIGTERM, hang on SIGTERM, a cleanup failing while its database was up) is recorded as
// an anomaly: the soak fails on any.
import { signalAndWait, spawnRelayChild, type Exit, type RelayChild } from '../support/relay-child.js';

export interface RelayFleet {
  /** Starts the primary relay (if not running) and waits until it is ready. */
  ensurePrimary(): Promise<void>;
  killPrimary(): Promise<void>;
  /** SIGTERM; the relay must exit 0 on its own. */
  terminatePrimary(): Promise<void>;
  /** Runs a second relay beside the primary for `ms`, then stops it (SIGTERM or SIGKILL). */
  runSecond(ms: number, signal: NodeJS.Signals): Promise<void>;
  runCleanup(): Promise<Exit>;
  /** Stops the primary with SIGTERM (the last check that a drained relay exits 0). */
  stopPrimary(): Promise<void>;
  /** SIGKILLs every relay process still running (after an error, so that none is left behind). */
  killAll(): Promise<void>;
  anomalies: string[];
}

export interface FleetDeps {
  env: Record<string, string>;
  logDir: string;
  /** SHUTDOWN_TIMEOUT_MS plus a margin: a relay not gone after SIGTERM by then is hung. */
  termGraceMs: number;
  /** Database restarts begun so far, and whether one is under way (a failed cleanup is then expected). */
  databaseRestarts: () => { begun: number; underWay: boolean };
  log: (line: string) => void;
}

const describe = (exit: Exit) => (exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`);

export function createRelayFleet(deps: FleetDeps): RelayFleet {
  const anomalies: string[] = [];
  let primary: RelayChild | undefined;
  let count = 0;
  let stopping = false;
  const expected = new WeakSet<RelayChild>();

  function anomaly(text: string, relay?: RelayChild): void {
    anomalies.push(text);
    deps.log(`ANOMALY: ${text}${relay ? `\n${relay.tail()}` : ''}`);
  }

  const live = new Set<RelayChild>();

  function spawn(role: string, args: string[] = ['run']): RelayChild {
    const relay = spawnRelayChild(`${role}-${++count}`, args, deps.env, deps.logDir);
    live.add(relay);
    void relay.exited.then(() => live.delete(relay));
    return relay;
  }

  function startPrimary(): RelayChild {
    const relay = spawn('relay');
    primary = relay;
    void relay.exited.then((exit) => {
      if (expected.has(relay) || stopping) return;
      anomaly(`${relay.name} exited by itself (${describe(exit)})`, relay);
      // Keep the soak going, as Kubernetes would restart the container.
      if (primary === relay) {
        primary = undefined;
        setTimeout(() => {
          if (!primary && !stopping) startPrimary();
        }, 1000);
      }
    });
    return relay;
  }

  /**
   * SIGTERM once the relay is ready: a relay is signalled only at a point it has reached, never while it
   * may still be starting (a SIGTERM then tests the start-up path, not the drain).
   */
  async function terminate(relay: RelayChild): Promise<void> {
    await relay.ready;
    expected.add(relay);
    const exit = await signalAndWait(relay, 'SIGTERM', deps.termGraceMs);
    if (exit.hung) anomaly(`${relay.name} did not exit within ${deps.termGraceMs} ms of SIGTERM`, relay);
    else if (exit.code !== 0) anomaly(`${relay.name} exited with ${describe(exit)} after SIGTERM`, relay);
  }

  async function kill(relay: RelayChild): Promise<void> {
    expected.add(relay);
    await signalAndWait(relay, 'SIGKILL', 10_000);
  }

  return {
    anomalies,
    async ensurePrimary() {
      const relay = primary ?? startPrimary();
      await relay.ready;
    },
    async killPrimary() {
      const relay = primary;
      if (!relay) return void startPrimary();
      await relay.started;
      primary = undefined;
      await kill(relay);
      startPrimary();
    },
    async terminatePrimary() {
      const relay = primary;
      if (!relay) return void startPrimary();
      await relay.ready;
      primary = undefined;
      await terminate(relay);
      startPrimary();
    },
    async runSecond(ms, signal) {
      const second = spawn('second');
      void second.exited.then((exit) => {
        if (!expected.has(second)) anomaly(`${second.name} exited by itself (${describe(exit)})`, second);
      });
      await second.ready;
      await new Promise((r) => setTimeout(r, ms));
      if (signal === 'SIGKILL') await kill(second);
      else await terminate(second);
    },
    async runCleanup() {
      const job = spawn('cleanup', ['cleanup']);
      const before = deps.databaseRestarts();
      const exit = await job.exited;
      const after = deps.databaseRestarts();
      const disturbed = before.underWay || after.underWay || after.begun !== before.begun;
      if (exit.code !== 0 && !disturbed) {
        anomaly(`${job.name} failed (${describe(exit)}) while the database was up`, job);
      }
      return exit;
    },
    async stopPrimary() {
      stopping = true;
      if (primary) await terminate(primary);
      primary = undefined;
    },
    async killAll() {
      stopping = true;
      await Promise.all([...live].map((relay) => kill(relay)));
    },
  };
}
