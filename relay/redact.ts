// Keeping secrets out of what the relay shows. Drivers put whatever they like in their errors (a message, a
// stack, a `detail`, a nested `cause` or `originalError`), and pino prints an error's whole cause chain, so
// an error kept as a `cause` is first copied with every secret replaced, through its whole chain. Secrets in
// configuration objects are non-enumerable (as node-postgres does with its password), so logging or
// serializing such an object never shows them.

const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

/** Defines `key` on `target` as a non-enumerable, read-only property. */
export function hideSecret<T extends object>(target: T, key: string, value: unknown): T {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: false });
  return target;
}

/** Every occurrence of every non-empty secret replaced, taken literally (not as a pattern). */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join(CENSOR);
  return out;
}

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value);
}

function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return CENSOR;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  if (isErrorLike(value)) return redactChain(value, secrets, depth + 1);
  // Other objects (a socket, a query's parameters) are left out rather than walked.
  return undefined;
}

function redactChain(error: Error, secrets: readonly string[], depth: number): Error {
  // Same prototype, so the copy keeps its class (pino prints it as the error's type) and instanceof.
  const copy = Object.create(Object.getPrototypeOf(error) ?? Error.prototype) as Error;
  const define = (key: string, value: unknown) =>
    Object.defineProperty(copy, key, { value, enumerable: false, writable: true, configurable: true });
  define('message', redactText(String(error.message ?? ''), secrets));
  if (typeof error.stack === 'string') define('stack', redactText(error.stack, secrets));
  if (typeof error.name === 'string') define('name', error.name);
  for (const key of Object.keys(error)) {
    if (key === 'message' || key === 'stack') continue;
    const value = redactValue((error as unknown as Record<string, unknown>)[key], secrets, depth);
    if (value !== undefined) (copy as unknown as Record<string, unknown>)[key] = value;
  }
  if (error.cause !== undefined) define('cause', redactValue(error.cause, secrets, depth));
  if (error instanceof AggregateError) define('errors', redactValue(error.errors, secrets, depth));
  return copy;
}

/**
 * A copy of `error` with every secret replaced in its message, stack and fields, and in every error of its
 * chain (`cause`, kafkajs's `originalError`, AggregateError's `errors`). Without secrets, the error itself.
 */
export function redactError(error: unknown, secrets: readonly string[]): unknown {
  if (!secrets.some((s) => s !== '')) return error;
  return redactValue(error, secrets, 0) ?? CENSOR;
}
