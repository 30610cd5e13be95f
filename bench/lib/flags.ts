// Command-line flags of the benchmark scripts: `--name=value`, `--name value`, or `--name` alone (true).
export type Flags = ReadonlyMap<string, string>;

export function parseFlags(argv: readonly string[]): Flags {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}: flags are --name=value`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags.set(arg.slice(2), argv[++i]!);
    else flags.set(arg.slice(2), 'true');
  }
  return flags;
}

export function stringFlag(flags: Flags, name: string, fallback: string): string {
  return flags.get(name) ?? fallback;
}

export function intFlag(flags: Flags, name: string, fallback: number): number {
  const text = flags.get(name);
  if (text === undefined) return fallback;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, not ${text}`);
  return value;
}

export function boolFlag(flags: Flags, name: string): boolean {
  const text = flags.get(name);
  return text !== undefined && text !== 'false';
}

export function choiceFlag<T extends string>(
  flags: Flags,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const text = flags.get(name) ?? fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new Error(`--${name} must be one of ${choices.join(', ')}, not ${text}`);
  }
  return text as T;
}

/** Rejects flags the script does not know, so a typo never runs a benchmark with defaults. */
export function checkKnown(flags: Flags, known: readonly string[]): void {
  for (const name of flags.keys()) {
    if (!known.includes(name)) throw new Error(`unknown flag --${name} (known: ${known.join(', ')})`);
  }
}
