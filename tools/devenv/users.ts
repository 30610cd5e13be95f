// PostgreSQL and MariaDB refuse to run as root. When we are root (CI, containers) they run as the system
// users their Debian packages create; otherwise as ourselves.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface Identity {
  uid?: number;
  gid?: number;
}

export function serviceIdentity(user: string): Identity {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Creates a folder owned by the identity a server runs as. */
export function ownedDir(dir: string, who: Identity): void {
  // The folders above it stay traversable, so the server's user can reach its own.
  mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (who.uid !== undefined && who.gid !== undefined) chownSync(dir, who.uid, who.gid);
}
