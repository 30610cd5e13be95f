// The fault injector: until its deadline, after a random pause, one fault chosen at random among the
// enabled kinds (weighted by FAULT_WEIGHTS). The first round takes every enabled kind once in a random
// order, so that even a short soak sees each (the short variant goes on past its deadline until it has).
// Server restarts, a second relay and cleanup jobs run in the background, so that relay kills and poison
// rows also land while a server is down; one server at a time is down, and one second relay at a time
// runs. A stopped server is always started again, in a finally block, before the injector stops.
// The multi-relay kinds act on a fleet in shared mode: relay-add and relay-remove move its size between its
// bounds, relay-sigkill-any kills any relay (and starts another), and relay-sigstop stops one for 0.5 to 3
// lease periods in the background (other faults go on meanwhile, and leave it alone).
import { FAULT_WEIGHTS, type FaultKind } from './options.js';
import type { Random } from './random.js';
import type { RelayFleet } from './relay-fleet.js';
import type { PoisonKind } from './rows.js';
import type { ServerSwitch } from './servers.js';

export interface FaultInjector {
  counts: Record<FaultKind, number>;
  /** Database restarts begun, and whether one is under way now. */
  databaseRestarts(): { begun: number; underWay: boolean };
  /** Server restarts (Kafka or database) begun, and whether one is under way now. */
  serverRestarts(): { begun: number; underWay: boolean };
  /** Stops choosing faults, waits for those under way (servers back up), then settles. */
  stop(): Promise<void>;
  /** Settles when the injector stopped by itself (deadline) or rejects if a server could not be restored. */
  done: Promise<void>;
}

export interface InjectorDeps {
  kinds: readonly FaultKind[];
  random: Random;
  gapMs: [number, number];
  serverDownMs: [number, number];
  secondRelayMs: [number, number];
  /** relay-sigstop: how long a relay stays stopped, in lease periods of `leaseMs`. */
  stopLeases: [number, number];
  leaseMs: number;
  deadline: number;
  /** Go on past the deadline until every kind has happened once (the short variant's guarantee). */
  completeFirstRound: boolean;
  fleet: RelayFleet;
  injectPoison: (kind: PoisonKind) => void;
  kafka: ServerSwitch;
  database: ServerSwitch;
  log: (line: string) => void;
}

/** Starts a server, trying a few times: the soak cannot go on (nor leave it down) without it. */
export async function restore(server: ServerSwitch, log: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await server.up();
      return;
    } catch (error) {
      log(`could not start ${server.name} (attempt ${attempt}): ${(error as Error).message}`);
      if (attempt >= 3) throw error;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

export function startFaultInjector(deps: InjectorDeps): FaultInjector {
  const counts = Object.fromEntries(deps.kinds.map((k) => [k, 0])) as Record<FaultKind, number>;
  const database = { begun: 0, underWay: false };
  const servers = { begun: 0, underWay: false };
  const background = new Set<Promise<unknown>>();
  let secondRunning = false;
  let serverDown = false;
  let fatal: unknown;
  let stopping = false;
  let cutPause: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      cutPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function restart(server: ServerSwitch, onDatabase: boolean): Promise<void> {
    const downMs = deps.random.int(...deps.serverDownMs);
    if (onDatabase) {
      database.begun++;
      database.underWay = true;
    }
    servers.begun++;
    servers.underWay = true;
    try {
      deps.log(`fault: stopping ${server.name} for ${downMs} ms`);
      await server.down();
      await new Promise((r) => setTimeout(r, downMs));
    } finally {
      await restore(server, deps.log);
      if (onDatabase) database.underWay = false;
      servers.underWay = false;
      deps.log(`fault: ${server.name} is back`);
    }
  }

  function inBackground(work: Promise<unknown>): void {
    const tracked = work.finally(() => background.delete(tracked));
    background.add(tracked);
  }

  /** Runs one fault; false when it cannot run now (a server is already down, a second relay running). */
  async function inject(kind: FaultKind): Promise<boolean> {
    switch (kind) {
      case 'relay-sigkill':
        deps.log('fault: SIGKILL the relay, then start it again');
        await deps.fleet.killPrimary();
        return true;
      case 'relay-sigterm':
        deps.log('fault: SIGTERM the relay, then start it again');
        await deps.fleet.terminatePrimary();
        return true;
      case 'kafka-restart':
      case 'database-restart': {
        if (serverDown) return false;
        serverDown = true;
        const onDatabase = kind === 'database-restart';
        inBackground(
          restart(onDatabase ? deps.database : deps.kafka, onDatabase)
            .catch((error: unknown) => {
              // The server could not be started again: nothing after this would mean anything.
              fatal ??= error;
              stopping = true;
              cutPause?.();
            })
            .finally(() => (serverDown = false)),
        );
        return true;
      }
      case 'second-relay': {
        if (secondRunning || !deps.fleet.hasRoom()) return false;
        const ms = deps.random.int(...deps.secondRelayMs);
        const signal = deps.random.chance(0.5) ? 'SIGTERM' : 'SIGKILL';
        deps.log(`fault: a second relay for ${ms} ms, then ${signal}`);
        secondRunning = true;
        inBackground(deps.fleet.runSecond(ms, signal).finally(() => (secondRunning = false)));
        return true;
      }
      case 'relay-add':
        return deps.fleet.addRelay();
      case 'relay-remove':
        return deps.fleet.removeRelay();
      case 'relay-sigkill-any':
        return deps.fleet.killAny();
      case 'relay-sigstop': {
        const [low, high] = deps.stopLeases;
        const ms = Math.round(deps.leaseMs * (low + deps.random.next() * (high - low)));
        // Within 4 leases and a margin of its SIGCONT it holds shares again (it rejoins at the next heartbeat,
        // and the others give up their part above the fair share at theirs).
        const recoverMs = deps.leaseMs * 4 + 10_000;
        const pause = deps.fleet.pauseAny(ms, recoverMs);
        if (!pause) return false;
        inBackground(pause);
        return true;
      }
      case 'cleanup':
        deps.log('fault: a cleanup job');
        inBackground(deps.fleet.runCleanup());
        return true;
      default:
        deps.log(`fault: poison row (${kind})`);
        deps.injectPoison(kind);
        return true;
    }
  }

  async function loop(): Promise<void> {
    const round = deps.random.shuffle(deps.kinds);
    const more = () =>
      !stopping && (Date.now() < deps.deadline || (deps.completeFirstRound && round.length > 0));
    while (deps.kinds.length > 0 && more()) {
      await pause(deps.random.int(...deps.gapMs));
      if (!more()) break;
      const kind = round.shift() ?? deps.random.weighted(deps.kinds, (k) => FAULT_WEIGHTS[k]);
      if (await inject(kind)) counts[kind]++;
      else if (round.length > 0 || counts[kind] === 0) round.push(kind);
    }
  }

  const done = loop().finally(async () => {
    while (background.size > 0) await Promise.allSettled([...background]);
    if (fatal !== undefined) throw fatal;
  });

  return {
    counts,
    databaseRestarts: () => ({ ...database }),
    serverRestarts: () => ({ ...servers }),
    done,
    async stop() {
      stopping = true;
      cutPause?.();
      await done;
    },
  };
}
