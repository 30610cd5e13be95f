// Which container engine testcontainers talks to, and what it can get. Where DOCKER_HOST is not set and
// the devenv's own dockerd answers, that one (its published ports bind loopback only, so the containers
// are reached at 127.0.0.1); elsewhere testcontainers finds the engine itself (Docker Desktop, a CI's
// docker). Ryuk, testcontainers' reaper, needs its image: where the engine can get neither it nor pull it,
// Ryuk is switched off and the global teardown removes the containers instead (and the next setup any a
// killed run left behind: teardown.ts).
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { REAPER_IMAGE } from 'testcontainers/build/reaper/reaper.js';
import { dockerHost, dockerPing } from '../docker.js';
import { progress } from '../proc.js';
import type { Settings } from '../settings.js';

/** Points testcontainers at the devenv's engine when the user named none; true when it is that one. */
export async function chooseEngine(s: Settings, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env.DOCKER_HOST === undefined && (await dockerPing(s))) env.DOCKER_HOST = dockerHost(s);
  const devenvEngine = env.DOCKER_HOST === dockerHost(s);
  if (devenvEngine) env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  return devenvEngine;
}

/** True when the engine has the image or can pull it. */
export async function canHave(image: string): Promise<boolean> {
  const client = await getContainerRuntimeClient();
  const name = ImageName.fromString(image);
  if (await client.image.exists(name)) return true;
  // A failed pull may also end its stream without an error: look again.
  return client.image.pull(name).then(
    () => client.image.exists(name),
    () => false,
  );
}

/** Leaves Ryuk on where its image can be had (or the user chose); else turns it off, saying why. */
export async function chooseReaper(env: NodeJS.ProcessEnv = process.env): Promise<'ryuk' | 'teardown'> {
  if (env.TESTCONTAINERS_RYUK_DISABLED !== undefined) {
    return env.TESTCONTAINERS_RYUK_DISABLED === 'true' ? 'teardown' : 'ryuk';
  }
  if (await canHave(REAPER_IMAGE)) return 'ryuk';
  progress(
    `testcontainers: ${REAPER_IMAGE} cannot be pulled; Ryuk is off, the global teardown removes the containers`,
  );
  env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  return 'teardown';
}
