// .dockerignore as Docker reads it (moby's patternmatcher): a path is excluded when the last pattern that
// matches it, or one of its parent folders, is not a `!` exception. `*` and `?` stay within one path
// segment; `**` spans any number of them.

interface Pattern {
  regex: RegExp;
  exclude: boolean;
}

function toRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export function parseDockerignore(text: string): Pattern[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exclude = !l.startsWith('!');
      const body = (exclude ? l : l.slice(1)).replace(/^\/+/, '').replace(/\/+$/, '');
      return { regex: toRegex(body), exclude };
    });
}

/** Whether a path relative to the build context (with `/` separators) is left out of the context. */
export function isIgnored(patterns: Pattern[], relativePath: string): boolean {
  const parts = relativePath.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const p of patterns) {
    if (candidates.some((c) => p.regex.test(c))) ignored = p.exclude;
  }
  return ignored;
}
