// The relay's --help: its commands, then every variable of the settings table with its description, the
// names in one column as wide as the longest name plus two spaces.
import { SETTINGS } from './definitions.js';

const COMMANDS = `usage: outbox-relay [command] [--cleanup | --optimize]

  run        publish outbox rows to Kafka (default)
  cleanup    delete published rows older than CLEANUP_RETENTION (also --cleanup, RUN_CLEANUP=true)
  optimize   reclaim disk: VACUUM / OPTIMIZE TABLE (also --optimize, RUN_OPTIMIZE=true)
  migrate    create or upgrade the outbox table
  status     pending, errored and oldest pending age per database
  requeue    return errored rows to the queue: requeue <id>... | requeue --all`;

export function usage(): string {
  const width = Math.max(...SETTINGS.map((d) => d.name.length)) + 2;
  const lines = SETTINGS.map((d) => {
    const fallback = d.default !== undefined && d.default !== '' ? ` (default ${d.default})` : '';
    return `  ${d.name.padEnd(width)}${d.description}${fallback}`;
  });
  return `${COMMANDS}\n\nenvironment:\n${lines.join('\n')}`;
}
