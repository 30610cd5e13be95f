// Removing the servers TEST_SERVERS=testcontainers started: the jest global teardown stops and removes the
// containers named in the exports file. Each container also carries labels naming this checkout's state
// folder and the process that started it, so that where Ryuk is off (no registry gives its image) the
// next setup removes what a killed run left behind, and never another live run's containers.
import { getContainerRuntimeClient } from 'testcontainers';
import { stateRoot } from '../paths.js';
import { progress } from '../proc.js';
import { CONTAINER_KEYS, readServerExports, removeServerExports } from './exports-file.js';

const STATE_LABEL = 'dev.kafka-relay.outbox.test-servers.state';
const PID_LABEL = 'dev.kafka-relay.outbox.test-servers.pid';

export function ownerLabels(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { [STATE_LABEL]: stateRoot(env), [PID_LABEL]: String(process.pid) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function removeContainer(id: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  const container = client.container.getById(id);
  await client.container.stop(container, { timeout: 10 }).catch(() => undefined);
  await client.container.remove(container, { removeVolumes: true }).catch(() => undefined);
}

/** Containers of this checkout whose starting process is gone. */
export async function removeLeftovers(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const client = await getContainerRuntimeClient();
  const found = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${STATE_LABEL}=${stateRoot(env)}`] },
  });
  const orphans = found.filter((c) => !alive(Number(c.Labels[PID_LABEL])));
  await Promise.all(orphans.map((c) => removeContainer(c.Id)));
  if (orphans.length > 0) progress(`testcontainers: removed ${orphans.length} containers a killed run left`);
  return orphans.length;
}

export async function stopTestServers(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const exports = readServerExports(env);
  if (!exports) return;
  const ids = Object.values(CONTAINER_KEYS).flatMap((key) => (exports[key] ? [exports[key]] : []));
  await Promise.all(ids.map(removeContainer));
  removeServerExports(env);
}
