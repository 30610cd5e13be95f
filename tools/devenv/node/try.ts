// Exercises the real node by hand: `npx tsx tools/devenv/node/try.ts up|down|status|smoke [--direct]`. The
// control plane must be up already (npm run devenv -- up); this never starts or stops it. smoke reaches the
// kubelet through a throwaway API server with the kubelet flags, or with --direct through the running one
// (once kube.ts passes apiserverKubeletFlags).
import { settings } from '../settings.js';
import { nodeDown, nodeStatus, nodeUp } from './node.js';
import { smoke } from './smoke.js';
import { withThrowawayApiserver } from './throwaway-apiserver.js';

async function main(command: string | undefined, flags: string[]): Promise<number> {
  const s = settings();
  switch (command) {
    case 'up':
      await nodeUp(s);
      return 0;
    case 'down':
      console.log(`stopped: ${(await nodeDown(s)).join(', ') || 'nothing'}`);
      return 0;
    case 'status':
      console.log(JSON.stringify(await nodeStatus(s)));
      return 0;
    case 'smoke':
      if (flags.includes('--direct')) await smoke(s);
      else await withThrowawayApiserver(s, (server) => smoke(s, server));
      return 0;
    default:
      console.error('usage: npx tsx tools/devenv/node/try.ts up|down|status|smoke [--direct]');
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`node: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
