// Helpers for the CRD and operator suites: install the CRD (shared by every suite, applied idempotently)
// and read the repository's manifests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, kubectl } from './servers.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function repoFile(relative: string): string {
  return readFileSync(path.join(repoRoot, relative), 'utf8');
}

/** Applies crds/outboxrelays.yaml and waits until the API serves it. */
export async function installCrd(): Promise<void> {
  await kubectl(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=outbox-tests', '-f', '-'],
    repoFile('crds/outboxrelays.yaml'),
  );
  await eventually(
    'the OutboxRelay CRD to be established',
    async () => {
      const out = await kubectl([
        'get',
        'crd',
        'outboxrelays.outbox.kafka-relay.dev',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]);
      return out.trim() === 'True' ? true : undefined;
    },
    30_000,
  );
}

/** kubectl's error output, or undefined when the command succeeded. */
export async function kubectlError(args: string[], input?: string): Promise<string | undefined> {
  try {
    await kubectl(args, input);
    return undefined;
  } catch (error) {
    return (error as { output?: string }).output ?? String(error);
  }
}
