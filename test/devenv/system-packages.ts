// The Debian packages the local servers come from. `up` installs what is missing when it runs as root,
// and otherwise names the command to run.
import { existsSync } from 'node:fs';
import { progress, run } from './proc.js';
import type { Settings } from './settings.js';

export function missingPackages(s: Settings): string[] {
  const probes: Record<string, string> = {
    postgresql: `/usr/lib/postgresql/${s.versions.postgresMajor}/bin/postgres`,
    'mariadb-server': '/usr/sbin/mariadbd',
    openssl: '/usr/bin/openssl',
  };
  return s.versions.debianPackages.filter((name) => {
    const probe = probes[name];
    return probe !== undefined && !existsSync(probe);
  });
}

export async function ensureSystemPackages(s: Settings): Promise<void> {
  const missing = missingPackages(s);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`the local servers need Debian packages that are not installed; run as root: ${command}`);
  }
  progress(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
    env,
    inherit: true,
  });
}
