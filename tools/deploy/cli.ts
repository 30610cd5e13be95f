// npx tsx tools/deploy/cli.ts install | paths
import { installTools } from './install.js';
import { toolPaths, type Tool } from './tools.js';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'install':
      await installTools();
      return 0;
    case 'paths':
      for (const tool of Object.keys(toolPaths) as Tool[]) console.log(`${tool} ${toolPaths[tool]()}`);
      return 0;
    default:
      console.error('usage: npx tsx tools/deploy/cli.ts install | paths');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`tools: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
