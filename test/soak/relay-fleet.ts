// The relays of a soak. With one relay: a primary kept running (restarted after every kill), a second relay
// on the same table now and then, and cleanup jobs. With several (shared mode): a fleet started at its
// size and kept between FLEET_MIN and FLEET_MAX relays, from which relays are added, removed with SIGTERM,
// SIGKILLed and replaced, or SIGSTOPped for a while and continued. Whatever a relay does that it should
// not (exit by itself, exit non-zero on SIGTERM, hang on SIGTERM, hold no share again after a SIGSTOP, a
// cleanup failing while its database was up) is recorded as an anomaly: the soak fails on any.
import { signalAndWait, spawnRelayChild, type Exit, type RelayChild } from '../support/relay-child.js';
import { FLEET_MAX, FLEET_MIN } from './options.js';
import type { Random } from './random.js';
import { sharesHeld } from './relay-metrics.js';

export interface RelayFleet {
  /** Starts relays until the fleet has its size, and waits until every one is ready. */
  ensureRelays(): Promise<void>;
  /** SIGKILLs the oldest relay and starts another. */
  killPrimary(): Promise<void>;
  /** SIGTERMs the oldest relay (it must exit 0 on its own) and starts another. */
  terminatePrimary(): Promise<void>;
  /** Whether one more relay may run now (a second relay, relay-add) without passing FLEET_MAX. */
  hasRoom(): boolean;
  /** Runs a second relay beside the others for `ms`, then stops it (SIGTERM or SIGKILL). */
  runSecond(ms: number, signal: NodeJS.Signals): Promise<void>;
  /** Starts one more relay (false at FLEET_MAX). */
  addRelay(): Promise<boolean>;
  /** SIGTERMs a random relay, which must exit 0 (false when only FLEET_MIN would be left). */
  removeRelay(): Promise<boolean>;
  /** SIGKILLs a random relay and starts another (false when none may be signalled now). */
  killAny(): Promise<boolean>;
  /**
   * SIGSTOPs a random relay for `ms`, then SIGCONT; it must not exit, and must hold shares again within
   * `recoverMs`. Picks the relay at once and returns the pause under way (undefined when none may be
   * stopped now); no other fault picks that relay until it settles.
   */
  pauseAny(ms: number, recoverMs: number): Promise<void> | undefined;
  runCleanup(): Promise<Exit>;
  /** Stops every relay with SIGTERM, one after the other (the last check that drained relays exit 0). */
  stopRelays(): Promise<void>;
  /** SIGKILLs every relay process still running (after an error, so that none is left behind). */
  killAll(): Promise<void>;
  /** How many relays run now (second relays included). */
  size(): number;
  /**
   * The fewest and the most long-lived relays that ran at once since the fleet first had its size (a relay
   * killed and replaced counts as one throughout).
   */
  range(): [number, number];
  anomalies: string[];
}

export interface FleetDeps {
  env: Record<string, string>;
  logDir: string;
  /** 1 (a primary) or FLEET_MIN to FLEET_MAX (a fleet in shared mode). */
  relays: number;
  random: Random;
  /** SHUTDOWN_TIMEOUT_MS plus a margin: a relay not gone after SIGTERM by then is hung. */
  termGraceMs: number;
  /** Database restarts begun so far, and whether one is under way (a failed cleanup is then expected). */
  databaseRestarts: () => { begun: number; underWay: boolean };
  /** Server restarts (Kafka or database) begun so far and whether one is under way. */
  serverRestarts: () => { begun: number; underWay: boolean };
  log: (line: string) => void;
}

const describe = (exit: Exit) => (exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HTTP_LISTENING = /"port":(\d+)[^\n]*"msg":"HTTP listening"/;

export function createRelayFleet(deps: FleetDeps): RelayFleet {
  const anomalies: string[] = [];
  const multi = deps.relays > 1;
  const floor = multi ? FLEET_MIN : 1;
  const ceiling = multi ? FLEET_MAX : Infinity;
  /** The long-lived relays, oldest first: the first is the primary. */
  const members: RelayChild[] = [];
  /** Relays a fault is working on (stopped, or being checked after SIGCONT): no other fault picks them. */
  const busy = new Set<RelayChild>();
  const ports = new Map<RelayChild, number>();
  const live = new Set<RelayChild>();
  const expected = new WeakSet<RelayChild>();
  let seconds = 0;
  let count = 0;
  let fewest = Infinity;
  let most = 0;
  let full = false;
  const measure = () => {
    if (!full || stopping) return;
    fewest = Math.min(fewest, members.length);
    most = Math.max(most, members.length);
  };
  let stopping = false;

  function anomaly(text: string, relay?: RelayChild): void {
    anomalies.push(text);
    deps.log(`ANOMALY: ${text}${relay ? `\n${relay.tail()}` : ''}`);
  }

  function spawn(role: string, args: string[] = ['run']): RelayChild {
    const relay = spawnRelayChild(`${role}-${++count}`, args, deps.env, deps.logDir);
    live.add(relay);
    void relay.exited.then(() => live.delete(relay));
    void relay.started.then(() => {
      const port = HTTP_LISTENING.exec(relay.tail())?.[1];
      if (port) ports.set(relay, Number(port));
    });
    return relay;
  }

  function drop(relay: RelayChild): void {
    const at = members.indexOf(relay);
    if (at >= 0) members.splice(at, 1);
  }

  function startMember(): RelayChild {
    const relay = spawn('relay');
    deps.log(`started ${relay.name}`);
    members.push(relay);
    measure();
    void relay.exited.then((exit) => {
      if (expected.has(relay) || stopping) return;
      anomaly(`${relay.name} exited by itself (${describe(exit)})`, relay);
      drop(relay);
      measure();
      // Keep the soak going, as Kubernetes would restart the container.
      setTimeout(() => {
        if (!stopping) startMember();
      }, 1000);
    });
    return relay;
  }

  /** A relay no fault is working on, at random (the oldest with `primary`); undefined when none is. */
  function pick(primary = false): RelayChild | undefined {
    const free = members.filter((r) => !busy.has(r));
    if (free.length === 0) return undefined;
    return primary ? free[0] : deps.random.pick(free);
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
    if (relay.child.exitCode === null && relay.child.signalCode === null) relay.child.kill('SIGCONT');
    await signalAndWait(relay, 'SIGKILL', 10_000);
  }

  /** Waits until the relay holds a share again (its /metrics), or `ms` passed; true if it does. */
  async function holdsShares(relay: RelayChild, ms: number): Promise<boolean> {
    const port = ports.get(relay);
    if (port === undefined) return false;
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (relay.child.exitCode !== null || relay.child.signalCode !== null) return false;
      if (((await sharesHeld(port).catch(() => 0)) ?? 0) > 0) return true;
      await sleep(250);
    }
    return false;
  }

  async function replace(relay: RelayChild, how: (r: RelayChild) => Promise<void>): Promise<void> {
    drop(relay);
    await how(relay);
    startMember();
  }

  return {
    anomalies,
    size: () => members.length + seconds,
    range: () => [fewest === Infinity ? members.length : fewest, Math.max(most, members.length)],
    hasRoom: () => members.length + seconds < ceiling,
    async ensureRelays() {
      while (members.length < deps.relays) startMember();
      await Promise.all(members.map((relay) => relay.ready));
      full = true;
      measure();
    },
    async killPrimary() {
      const relay = pick(true);
      if (!relay) return void startMember();
      await relay.started;
      await replace(relay, kill);
    },
    async terminatePrimary() {
      const relay = pick(true);
      if (!relay) return void startMember();
      await relay.ready;
      await replace(relay, terminate);
    },
    async runSecond(ms, signal) {
      const second = spawn('second');
      seconds++;
      try {
        void second.exited.then((exit) => {
          if (!expected.has(second)) anomaly(`${second.name} exited by itself (${describe(exit)})`, second);
        });
        await second.ready;
        await sleep(ms);
        if (signal === 'SIGKILL') await kill(second);
        else await terminate(second);
      } finally {
        seconds--;
      }
    },
    async addRelay() {
      if (members.length + seconds >= ceiling) return false;
      const relay = startMember();
      deps.log(`fault: one more relay, ${relay.name} (${members.length + seconds} running)`);
      await relay.ready;
      return true;
    },
    async removeRelay() {
      if (members.length <= floor) return false;
      const relay = pick();
      if (!relay) return false;
      drop(relay);
      measure();
      deps.log(`fault: SIGTERM ${relay.name}, not replaced (${members.length + seconds} left)`);
      await terminate(relay);
      return true;
    },
    async killAny() {
      const relay = pick();
      if (!relay) return false;
      deps.log(`fault: SIGKILL ${relay.name}, then start another`);
      await relay.started;
      await replace(relay, kill);
      return true;
    },
    pauseAny(ms, recoverMs) {
      const relay = pick();
      if (!relay) return undefined;
      busy.add(relay);
      deps.log(`fault: SIGSTOP ${relay.name} for ${ms} ms, then SIGCONT`);
      const pause = async () => {
        await relay.ready;
        if (expected.has(relay) || stopping) return;
        const before = deps.serverRestarts();
        relay.child.kill('SIGSTOP');
        await sleep(ms);
        relay.child.kill('SIGCONT');
        if (expected.has(relay) || stopping) return;
        const working = await holdsShares(relay, recoverMs);
        const after = deps.serverRestarts();
        const disturbed = before.underWay || after.underWay || after.begun !== before.begun;
        // An exit is its own anomaly (exited by itself).
        if (relay.child.exitCode !== null || relay.child.signalCode !== null) return;
        if (!working && !disturbed) {
          anomaly(`${relay.name} held no share within ${recoverMs} ms of SIGCONT (stopped ${ms} ms)`, relay);
        }
        deps.log(
          `${relay.name} continued after ${ms} ms stopped: ${working ? 'holds shares again' : 'no share yet'}`,
        );
      };
      return pause().finally(() => busy.delete(relay));
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
    async stopRelays() {
      stopping = true;
      for (const relay of [...members]) {
        drop(relay);
        await terminate(relay);
      }
    },
    async killAll() {
      stopping = true;
      await Promise.all([...live].map((relay) => kill(relay)));
    },
  };
}
