// helm (built from its Go module by the deployment tools) against the local control plane, with its
// cache, config and data in a folder of the caller's, so no run depends on another's repositories.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../tools/devenv/proc.js';
import { ensureTool } from '../../tools/deploy/install.js';
import { requireTool } from '../../tools/deploy/tools.js';
import { devenv } from './servers.js';

export interface Helm {
  (args: string[]): Promise<string>;
  /** Removes its folder. */
  dispose(): void;
}

export async function localHelm(): Promise<Helm> {
  await ensureTool('helm');
  const home = mkdtempSync(path.join(os.tmpdir(), 'outbox-helm-'));
  const helm = ((args: string[]) =>
    run(requireTool('helm'), args, {
      env: {
        ...process.env,
        KUBECONFIG: devenv().KUBECONFIG,
        HELM_CACHE_HOME: path.join(home, 'cache'),
        HELM_CONFIG_HOME: path.join(home, 'config'),
        HELM_DATA_HOME: path.join(home, 'data'),
      },
    })) as Helm;
  helm.dispose = () => rmSync(home, { recursive: true, force: true });
  return helm;
}
