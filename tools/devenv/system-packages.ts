// The Debian packages the local servers come from. `up` installs what is missing when it runs as root,
// and otherwise names the command to run.
import { existsSync } from 'node:fs';
import { progress, run } from './proc.js';
import { NODE_PACKAGE_PROBES } from './node/node.js';
import { nodeVersions } from './node/node-settings.js';
import type { Settings } from './settings.js';

export function missingPackages(s: Settings): string[] {
  const probes: Record<string, string> = {
    postgresql: `/usr/lib/postgresql/${s.versions.postgresMajor}/bin/postgres`,
    'mariadb-server': '/usr/sbin/mariadbd',
    openssl: '/usr/bin/openssl',
    'docker.io': '/usr/sbin/dockerd',
    debootstrap: '/usr/sbin/debootstrap',
    ...NODE_PACKAGE_PROBES,
  };
  const wanted = [...new Set([...s.versions.debianPackages, ...nodeVersions().debianPackages])];
  return wanted.filter((name) => {
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
  // Another apt or dpkg run (a second `up`, an unattended upgrade) holds the lock: wait for it.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  const install = () =>
    run('apt-get', [...lock, 'install', '-y', '-q', '--no-install-recommends', ...missing], {
      env,
      inherit: true,
    });
  await run('apt-get', [...lock, 'update', '-q'], { env });
  try {
    await install();
  } catch (error) {
    // A dpkg run cut off half-way leaves packages unconfigured, after which every install refuses until
    // apt repairs them: repair once and try again.
    progress(`install failed (${String(error)}); repairing interrupted package installs and retrying`);
    await run('apt-get', [...lock, '--fix-broken', 'install', '-y', '-q'], { env, inherit: true });
    await install();
  }
}
