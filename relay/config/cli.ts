// The command line: `outbox-relay [run|cleanup|optimize|migrate|status|requeue] [args]`, plus the Go relay's
// flags (-cleanup / --cleanup, -optimize / --optimize, with an optional =true|false) and its RUN_CLEANUP /
// RUN_OPTIMIZE variables, which select a job when no command is named.
import { ConfigError } from '../errors.js';

export const COMMANDS = ['run', 'cleanup', 'optimize', 'migrate', 'status', 'requeue'] as const;
export type Command = (typeof COMMANDS)[number];

export interface Invocation {
  command: Command;
  /** requeue: the ids to requeue, or 'all'. */
  requeue?: string[] | 'all';
  help: boolean;
}

const FLAG = /^--?(cleanup|optimize|all|help|h)(?:=(true|false|1|0))?$/;

export function parseArgs(
  argv: readonly string[],
  jobs: { runCleanup: boolean; runOptimize: boolean },
): Invocation {
  const positional: string[] = [];
  const flags = new Set<string>();
  for (const arg of argv) {
    const match = FLAG.exec(arg);
    if (match) {
      const on = match[2] === undefined || match[2] === 'true' || match[2] === '1';
      if (on) flags.add(match[1] === 'h' ? 'help' : (match[1] as string));
    } else if (arg.startsWith('-')) {
      throw new ConfigError(arg, 'unknown flag; accepts --cleanup, --optimize, --all (requeue), --help');
    } else {
      positional.push(arg);
    }
  }
  const named = positional.shift();
  let command: Command;
  if (named !== undefined) {
    if (!(COMMANDS as readonly string[]).includes(named)) {
      throw new ConfigError(
        'command',
        `unknown command ${JSON.stringify(named)}; accepts ${COMMANDS.join(', ')}`,
      );
    }
    command = named as Command;
  } else if (flags.has('cleanup') || jobs.runCleanup) {
    command = 'cleanup';
  } else if (flags.has('optimize') || jobs.runOptimize) {
    command = 'optimize';
  } else {
    command = 'run';
  }
  const invocation: Invocation = { command, help: flags.has('help') };
  if (command === 'requeue') {
    if (flags.has('all') && positional.length > 0)
      throw new ConfigError(
        'requeue',
        `takes --all or outbox ids, not both (got --all and ${positional.join(' ')}): --all requeues every errored row`,
      );
    if (flags.has('all')) invocation.requeue = 'all';
    else if (positional.length > 0 && positional.every((id) => /^[0-9]+$/.test(id)))
      invocation.requeue = positional;
    else throw new ConfigError('requeue', 'needs --all or one or more numeric outbox ids');
  } else if (positional.length > 0) {
    throw new ConfigError(command, `takes no arguments (got ${positional.join(' ')})`);
  }
  return invocation;
}
