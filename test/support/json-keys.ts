// The top-level keys of a JSON object as written, in order and with repeats: JSON.parse keeps only the
// last of a repeated key, so a log line that says `database` twice reads as if it said it once.
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) throw new Error(`unterminated string in ${text.slice(0, 80)}`);
      const after = text.slice(end + 1).trimStart();
      if (depth === 1 && after.startsWith(':')) keys.push(JSON.parse(text.slice(i, end + 1)) as string);
      i = end;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

/** The JSON lines of a log that name a key more than once, each with the keys repeated. */
export function repeatedKeys(log: string): Array<{ line: string; repeated: string[] }> {
  return log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const keys = topLevelKeys(line);
      return { line, repeated: [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))] };
    })
    .filter((l) => l.repeated.length > 0);
}
