// The Kafka outage test stops the one shared broker. Jest may run test files in parallel workers, so the
// files that need the broker hold a shared lock while they run and the outage test takes it exclusively:
// the outage never happens under another file's feet. Files in the devenv state folder; a holder whose
// process is gone is ignored.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stateRoot } from '../../tools/devenv/paths.js';

const dir = () => path.join(stateRoot(), 'locks', 'kafka');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Holders other than `self`, by kind, forgetting those whose process is gone. */
function holders(self: string): { shared: number; exclusive: number; waiting: number } {
  let shared = 0;
  let exclusive = 0;
  let waiting = 0;
  for (const name of readdirSync(dir())) {
    if (name === self || name === `waiting-${self.split('-').slice(1).join('-')}`) continue;
    const [kind, pid] = name.split('-');
    if (!alive(Number(pid))) {
      rmSync(path.join(dir(), name), { force: true });
      continue;
    }
    if (kind === 'shared') shared++;
    if (kind === 'exclusive') exclusive++;
    if (kind === 'waiting') waiting++;
  }
  return { shared, exclusive, waiting };
}

export type Release = () => void;

async function acquire(kind: 'shared' | 'exclusive', timeoutMs: number): Promise<Release> {
  mkdirSync(dir(), { recursive: true });
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const file = path.join(dir(), `${kind}-${tag}`);
  // A waiting exclusive holder keeps new shared holders out, so it is not starved by a stream of them.
  const waiting = path.join(dir(), `waiting-${tag}`);
  if (kind === 'exclusive') writeFileSync(waiting, '');
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      writeFileSync(file, '');
      const others = holders(`${kind}-${tag}`);
      // Announce first, then look: two contenders both see each other and back off, never both go.
      const blocked =
        kind === 'shared' ? others.exclusive + others.waiting > 0 : others.exclusive + others.shared > 0;
      if (!blocked) return () => rmSync(file, { force: true });
      rmSync(file, { force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the ${kind} Kafka lock`);
      await sleep(200 + Math.random() * 200);
    }
  } finally {
    rmSync(waiting, { force: true });
  }
}

/** For test files that need the broker up for their whole run. */
export const useKafka = (timeoutMs = 110_000) => acquire('shared', timeoutMs);

/** For the test that stops the broker. */
export const stopKafkaExclusively = (timeoutMs = 110_000) => acquire('exclusive', timeoutMs);

/**
 * Holds the shared lock from a test file's first beforeAll to its last afterAll, so the shared broker stays
 * up while the file runs (the outage test waits for it). Call it at the file's top level.
 */
export function holdKafkaForFile(): void {
  let release: Release | undefined;
  beforeAll(async () => {
    release = await useKafka();
  });
  afterAll(() => release?.());
}
