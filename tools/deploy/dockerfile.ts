// A small Dockerfile reader: enough of the syntax to replay our Dockerfiles' steps outside a container
// (stages, flags, ARG/ENV substitution, exec-form JSON). It reads what the images are built from, so a
// change to a Dockerfile changes what the build-steps test runs.

export interface Instruction {
  keyword: string;
  /** Leading --name=value flags (COPY --from, RUN --mount, FROM --platform). */
  flags: Record<string, string>;
  /** The rest of the instruction, flags removed, continuations joined. */
  args: string;
  line: number;
}

export interface Stage {
  name?: string;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let current: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comments (and parser directives) are dropped, also between continued lines, as Docker does.
    if (trimmed.startsWith('#') || (trimmed === '' && current === undefined)) return;
    const continued = trimmed.endsWith('\\');
    const body = continued ? trimmed.slice(0, -1) : trimmed;
    if (current === undefined) current = { text: body, line: index + 1 };
    else current.text += ` ${body}`;
    if (!continued) {
      out.push({ text: current.text.replace(/\s+/g, ' ').trim(), line: current.line });
      current = undefined;
    }
  });
  if (current !== undefined) out.push(current);
  return out;
}

function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (;;) {
    const match = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(args);
    if (!match) break;
    flags[match[1]!] = match[2] ?? 'true';
    args = args.slice(match[0].length);
  }
  return { flags, args };
}

export function parseDockerfile(text: string): Dockerfile {
  const result: Dockerfile = { globalArgs: {}, stages: [] };
  for (const { text: lineText, line } of logicalLines(text)) {
    const space = lineText.indexOf(' ');
    const keyword = (space < 0 ? lineText : lineText.slice(0, space)).toUpperCase();
    const { flags, args } = splitFlags(space < 0 ? '' : lineText.slice(space + 1));
    if (keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!match) throw new Error(`line ${line}: cannot read FROM ${args}`);
      result.stages.push({ from: match[1]!, name: match[2], instructions: [] });
      continue;
    }
    const stage = result.stages.at(-1);
    if (!stage) {
      if (keyword !== 'ARG') throw new Error(`line ${line}: ${keyword} before the first FROM`);
      const [name, value = ''] = args.split('=', 2) as [string, string?];
      result.globalArgs[name] = value;
      continue;
    }
    stage.instructions.push({ keyword, flags, args, line });
  }
  return result;
}

/** Replaces $NAME and ${NAME} with their values; an unknown name is an error, not an empty string. */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const value = vars[name];
    if (value === undefined) throw new Error(`$${name} is not defined`);
    return value;
  });
}

/** KEY=value pairs of ENV and LABEL (values may be double-quoted). */
export function keyValues(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    const raw = match[2]!;
    out[match[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return out;
}

/** The arguments of an exec-form (JSON array) ENTRYPOINT or CMD. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed;
}

export function lastInstruction(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}
