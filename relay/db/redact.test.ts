import { redactSecret, truncateChars } from './redact.js';

describe('redactSecret', () => {
  it('replaces every occurrence of the secret', () => {
    expect(redactSecret('user:s3cr3t@host, again s3cr3t', 's3cr3t')).toBe(
      'user:[redacted]@host, again [redacted]',
    );
  });

  it('leaves the text alone when there is no secret', () => {
    expect(redactSecret('nothing to hide', '')).toBe('nothing to hide');
  });

  it('treats the secret literally, not as a pattern', () => {
    expect(redactSecret('p.*w and pxxw', 'p.*w')).toBe('[redacted] and pxxw');
  });
});

describe('truncateChars', () => {
  it('keeps a short text as it is', () => {
    expect(truncateChars('short', 255)).toBe('short');
  });

  it('counts characters, not UTF-16 units, and never splits a surrogate pair', () => {
    const text = `${'x'.repeat(3)}🚀🚀`;
    expect(truncateChars(text, 4)).toBe('xxx🚀');
  });

  it('drops NUL characters, which PostgreSQL text refuses', () => {
    expect(truncateChars('a\u0000b', 10)).toBe('ab');
  });
});
