// npm run devenv -- up | down | status | install
import { down, install, status, up } from './devenv.js';
import { settings } from './settings.js';

const USAGE = `usage: npm run devenv -- <command>

  up       start every local server that is not running (building or downloading it into the cache
           first if needed) and write .devenv/env.sh; source it to reach them
  down     stop every server that up started
  status   show each server, its pid and health
  install  only build and download into the cache`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  const s = settings();
  switch (command) {
    case 'up':
      await up(s);
      console.log(`source ${s.state}/env.sh`);
      return 0;
    case 'down':
      await down(s);
      return 0;
    case 'install':
      await install(s);
      return 0;
    case 'status': {
      const rows = await status(s);
      for (const r of rows) console.log(`${r.name.padEnd(24)} ${String(r.pid ?? '-').padEnd(8)} ${r.health}`);
      return rows.every((r) => r.health === 'ready' || r.health === 'running') ? 0 : 1;
    }
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`devenv: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
