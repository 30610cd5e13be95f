// The tables of the configuration reference (docs/configuration.md, generated), read back as rows, and the
// example values each row shows: its default, and the values its "accepts" text names (the choices of
// "one of", the bounds of "from A to B", the durations "such as", the spellings of a boolean).
export interface Row {
  name: string;
  accepts: string;
  default: string;
}

function cells(line: string): string[] {
  return line
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

const unquote = (cell: string) => cell.replace(/^`(.*)`$/, '$1').replace(/ \*\*\(required\)\*\*$/, '');

/** The rows of the first table after `heading`, by the columns named. */
export function tableRows(markdown: string, heading: string, columns: [string, string, string]): Row[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/configuration.md has no section "${heading}"`);
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('| '));
  const header = cells(lines[first]!);
  const at = columns.map((c) => header.indexOf(c));
  if (at.includes(-1)) throw new Error(`the table under "${heading}" has no column of ${columns.join(', ')}`);
  const rows: Row[] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const c = cells(line);
    rows.push({ name: unquote(c[at[0]!]!), accepts: c[at[1]!]!, default: unquote(c[at[2]!]!) });
  }
  return rows;
}

export interface Examples {
  /** Values the text says are accepted. */
  accepted: string[];
  /** Values just outside the bounds it gives, which must be refused. */
  refused: string[];
}

const BOOLEANS = ['true', 'false', '1', '0', 't', 'f', 'yes', 'no'];

/** The example values an "accepts" text names. */
export function examplesOf(accepts: string): Examples {
  const accepted: string[] = [];
  const refused: string[] = [];
  const oneOf = /^one of (.+)$/.exec(accepts);
  if (oneOf) accepted.push(...oneOf[1]!.split(/,\s*/));
  const integers = /an integer from (-?\d+) to (-?\d+)/.exec(accepts);
  if (integers) {
    const [low, high] = [Number(integers[1]), Number(integers[2])];
    accepted.push(String(low), String(high));
    refused.push(String(low - 1), String(high + 1));
  }
  const suchAs = /such as ([^()]+?)(?: \(|$)/.exec(accepts);
  if (suchAs) accepted.push(...suchAs[1]!.split(/,\s*|\s+or\s+/).filter((v) => /^\d+[a-z]+$/.test(v)));
  if (accepts.startsWith('true or false')) accepted.push(...BOOLEANS);
  if (/http:\/\/ or https:\/\/ URL/.test(accepts)) {
    accepted.push('http://127.0.0.1:15020', 'https://kubernetes.default.svc');
    refused.push('ftp://example.com');
  }
  if (/comma-separated list/.test(accepts)) {
    accepted.push(/host:port/.test(accepts) ? 'kafka-0.kafka:9092,[::1]:9092' : 'orders,payments');
  }
  return { accepted, refused };
}
