// Which image each server runs: the official one (postgres, mysql 8, Confluent's cp-kafka) where the
// engine has it or can pull it, else the one built here from Debian's packages (built-images.ts), which
// needs the devenv's own engine (its builds use the devenv's debootstrap stand-in and Kafka jars).
import { progress } from '../proc.js';
import type { Settings } from '../settings.js';
import { ensureBuiltImage } from './built-images.js';
import { canHave } from './engine.js';
import { SERVER_NAMES, testcontainersVersions, type ServerName } from './versions.js';

export interface ChosenImage {
  image: string;
  source: 'official' | 'built';
  /** seconds a build took this time, when one ran */
  buildSeconds?: number;
}

export async function chooseImages(
  s: Settings,
  devenvEngine: boolean,
): Promise<Record<ServerName, ChosenImage>> {
  const versions = testcontainersVersions();
  const chosen = {} as Record<ServerName, ChosenImage>;
  // One at a time: a build is the heaviest thing this machine runs, and pulls share one network.
  for (const name of SERVER_NAMES) {
    const { official, built } = versions[name];
    if (await canHave(official)) {
      chosen[name] = { image: official, source: 'official' };
      continue;
    }
    if (!devenvEngine) {
      throw new Error(
        `testcontainers: ${official} cannot be pulled, and ${built} is built only on the devenv's engine ` +
          '(unset DOCKER_HOST after `npm run devenv -- up`, or give the engine a registry)',
      );
    }
    progress(`testcontainers: ${official} cannot be pulled; using ${built}`);
    const result = await ensureBuiltImage(s, name);
    chosen[name] = { image: built, source: 'built', buildSeconds: result.seconds };
  }
  return chosen;
}
