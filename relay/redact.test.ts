import { hideSecret, redactError, redactText } from './redact.js';

class DriverError extends Error {
  code = '28P01';
  detail = 'the password was pw-42';
}

describe('redaction', () => {
  it('replaces every secret, literally', () => {
    expect(redactText('a pw-42 b p.*', ['pw-42', 'p.*', ''])).toBe('a [redacted] b [redacted]');
  });

  it('copies an error with the secret out of its message, stack, fields and whole chain', () => {
    const inner = Object.assign(new Error('socket said pw-42'), { code: 'ECONNRESET' });
    const wrapper = Object.assign(new Error('retries exceeded: pw-42'), { originalError: inner });
    const aggregate = new AggregateError([new Error('first pw-42')], 'several addresses');
    const error = new DriverError('auth failed for pw-42', { cause: [wrapper, aggregate][0] });
    (error as { extra?: unknown }).extra = aggregate;
    const copy = redactError(error, ['pw-42']) as DriverError;
    expect(copy).toBeInstanceOf(DriverError);
    expect(copy.code).toBe('28P01');
    const everything = JSON.stringify(copy, Object.getOwnPropertyNames(copy)) + String(copy.stack);
    expect(everything).not.toContain('pw-42');
    const cause = copy.cause as Error & { originalError: Error };
    expect(cause.message).toBe('retries exceeded: [redacted]');
    expect(cause.originalError.message).toBe('socket said [redacted]');
    expect(String(cause.originalError.stack)).not.toContain('pw-42');
    expect(((copy as { extra?: AggregateError }).extra as AggregateError).errors[0].message).toBe(
      'first [redacted]',
    );
    expect(error.message).toContain('pw-42');
  });

  it('survives a cycle and returns the error itself when there is no secret', () => {
    const error = new Error('loop pw-42') as Error & { self?: unknown };
    error.self = error;
    expect((redactError(error, ['pw-42']) as Error).message).toBe('loop [redacted]');
    expect(redactError(error, [''])).toBe(error);
  });

  it('hides a secret from keys, JSON and spreads, not from reading it', () => {
    const config = hideSecret({ user: 'u' }, 'password', 'pw-42') as { user: string; password?: string };
    expect(config.password).toBe('pw-42');
    expect(JSON.stringify({ ...config })).toBe('{"user":"u"}');
  });
});
