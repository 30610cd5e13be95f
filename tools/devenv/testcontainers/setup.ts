// TEST_SERVERS=testcontainers, the jest global setup's side (test/support/global-setup.js): choose the
// engine and Ryuk, remove what a killed earlier run of this checkout left, choose the images, start the
// three servers, and write their exports where devenv() reads them. The teardown (teardown.ts) removes
// them. Nothing else of the devenv starts: the suites that need Kubernetes, TLS or the devenv's own
// daemons are not served in this mode, and say so when they ask for an export (mode.ts).
import { progress } from '../proc.js';
import { settings } from '../settings.js';
import { startServers } from './containers.js';
import { chooseEngine, chooseReaper } from './engine.js';
import { writeServerExports, type ServerExports } from './exports-file.js';
import { chooseImages } from './images.js';
import { ownerLabels, removeLeftovers } from './teardown.js';

export async function startTestServers(env: NodeJS.ProcessEnv = process.env): Promise<ServerExports> {
  const started = Date.now();
  const s = settings(env);
  const devenvEngine = await chooseEngine(s, env);
  const reaper = await chooseReaper(env);
  await removeLeftovers(env);
  const images = await chooseImages(s, devenvEngine);
  const { exports } = await startServers(
    { postgres: images.postgres.image, mysql: images.mysql.image, kafka: images.kafka.image },
    ownerLabels(env),
  );
  writeServerExports(exports, env);
  const list = Object.values(images)
    .map((i) => `${i.image} (${i.source})`)
    .join(', ');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  progress(`testcontainers: ${list} up in ${seconds} s; cleanup by ${reaper}`);
  return exports;
}
