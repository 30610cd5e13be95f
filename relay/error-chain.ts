// The errors an error was caused by: `cause` (standard), `originalError` (kafkajs's retry wrappers) and the
// parts of an AggregateError (several addresses tried), outermost first, at most `maxDepth` deep.
export function errorChain(error: unknown, maxDepth = 10): unknown[] {
  const out: unknown[] = [];
  const visit = (current: unknown, depth: number) => {
    if (current === undefined || current === null || depth > maxDepth || out.includes(current)) return;
    out.push(current);
    if (typeof current !== 'object') return;
    const { cause, originalError } = current as { cause?: unknown; originalError?: unknown };
    visit(originalError, depth + 1);
    visit(cause, depth + 1);
    if (current instanceof AggregateError) for (const part of current.errors) visit(part, depth + 1);
  };
  visit(error, 0);
  return out;
}

/** The first string `code` in the chain that `accept` takes. */
export function findCode(error: unknown, accept: (code: string) => boolean): string | undefined {
  for (const e of errorChain(error)) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && accept(code)) return code;
  }
  return undefined;
}
