import { envSh, shellQuote } from './env-file.js';

describe('env.sh', () => {
  it('quotes values so a shell reads them back unchanged', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('writes one export line per variable', () => {
    const text = envSh({ PGHOST: '127.0.0.1', KAFKA_BROKERS: '127.0.0.1:1' });
    expect(text).toContain("export PGHOST='127.0.0.1'\n");
    expect(text).toContain("export KAFKA_BROKERS='127.0.0.1:1'\n");
  });
});
