// Where the local servers live: built artefacts in a cache outside the checkout (shared by every clone
// on the machine), runtime state (data folders, logs, pid files, env.sh) in the checkout's .devenv/.
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The cache of downloads and builds: $OUTBOX_RELAY_CACHE, else $XDG_CACHE_HOME or ~/.cache, + kafka-outbox-relay. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OUTBOX_RELAY_CACHE) return path.resolve(env.OUTBOX_RELAY_CACHE);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache');
  return path.join(base, 'kafka-outbox-relay');
}

/** Runtime state of the running servers: $OUTBOX_RELAY_DEVENV_DIR, else <checkout>/.devenv. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OUTBOX_RELAY_DEVENV_DIR) return path.resolve(env.OUTBOX_RELAY_DEVENV_DIR);
  return path.join(repoRoot, '.devenv');
}
