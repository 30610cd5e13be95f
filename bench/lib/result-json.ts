// A result's JSON as it is committed: objects indented for reading and review, arrays of numbers or of
// points on one line each. The series of samples are most of a result, and one number or point per line
// made a file four times its size (bench/results has a size budget: results-budget.test.ts).
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isFlat = (value: Json): boolean =>
  value === null ||
  typeof value !== 'object' ||
  (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'));

function format(value: Json, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.every(isFlat)) return JSON.stringify(value);
    const inner = `${indent}  `;
    return `[\n${value.map((v) => `${inner}${format(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const inner = `${indent}  `;
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner)}`).join(',\n')}\n${indent}}`;
}

export function resultJson(value: unknown): string {
  // Through JSON first: drops undefined and turns dates and the like into what JSON.stringify makes of them.
  return `${format(JSON.parse(JSON.stringify(value)) as Json, '')}\n`;
}
