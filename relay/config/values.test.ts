// The variables' values refused at start with one line naming the variable (and the entry of a list),
// before anything connects: what `main` turns into exit status 2.
import { ConfigError } from '../errors.js';
import { parseSettings } from './parse.js';

const base = { DB_HOST: 'db', DB_USER: 'app', DB_NAME: 'shop', DB_DRIVER: 'postgres', KAFKA_HOST: 'k:9092' };

function refusal(env: Record<string, string>): string {
  try {
    parseSettings(env, 'run');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the values the relay refuses at start', () => {
  it.each([
    ['DB_NAME', 'a,,b', 'DB_NAME: invalid value (got "a,,b"): entry 2 is empty'],
    ['DB_NAME', 'a,b,', 'DB_NAME: invalid value (got "a,b,"): entry 3 is empty'],
    ['DB_NAME', 'x, x', 'DB_NAME: invalid value (got "x, x"): entry "x" is repeated'],
    ['KAFKA_HOST', 'nocolon', 'KAFKA_HOST: invalid value (got "nocolon"): entry 1 ("nocolon") is not valid'],
    ['KAFKA_HOST', 'k:9092,k:99999', 'KAFKA_HOST: invalid value (got "k:9092,k:99999"): entry 2 ("k:99999")'],
    [
      'KAFKA_HOST',
      'k:9092,k:9092',
      'KAFKA_HOST: invalid value (got "k:9092,k:9092"): entry "k:9092" is repeated',
    ],
    ['OUTBOX_TABLE', 'shop.outbox', 'OUTBOX_TABLE: invalid value (got "shop.outbox"); accepts a table name'],
    ['OUTBOX_TABLE', 't'.repeat(41), 'OUTBOX_TABLE: invalid value'],
    ['CLEANUP_RETENTION', '0s', 'CLEANUP_RETENTION: invalid value (got "0s"); accepts a duration from 1m'],
    ['CLEANUP_RETENTION', '59s', 'CLEANUP_RETENTION: invalid value (got "59s")'],
    ['BATCH_SIZE', '10001', 'BATCH_SIZE: invalid value (got "10001"); accepts an integer from 1 to 10000'],
    [
      'POLL_FREQUENCY_MS',
      '9',
      'POLL_FREQUENCY_MS: invalid value (got "9"); accepts a number of milliseconds from 10 (10ms)',
    ],
  ])('%s=%j: %s', (name, value, message) => {
    expect(refusal({ ...base, [name]: value })).toContain(message);
  });

  it('takes an IPv6 broker in brackets and a list with spaces around its entries', () => {
    const values = parseSettings({ ...base, KAFKA_HOST: '[::1]:9092, k:1', DB_NAME: 'a, b' }, 'run');
    expect(values.KAFKA_HOST).toEqual(['[::1]:9092', 'k:1']);
    expect(values.DB_NAME).toEqual(['a', 'b']);
  });

  it('names an unknown SASL mechanism and the accepted ones first, before the user or password it needs', () => {
    const extras: Array<Record<string, string>> = [
      {},
      { KAFKA_SASL_USERNAME: 'u' },
      { KAFKA_SASL_PASSWORD_FILE: '/nowhere' },
    ];
    for (const extra of extras) {
      expect(refusal({ ...base, ...extra, KAFKA_SASL_MECHANISM: 'gssapi' })).toBe(
        'KAFKA_SASL_MECHANISM: invalid value (got "gssapi"); accepts one of plain, scram-sha-256, scram-sha-512',
      );
    }
  });

  it('refuses a bad OUTBOX_TABLE when the settings are read, so the relay stops before connecting', () => {
    expect(refusal({ ...base, OUTBOX_TABLE: 'bad-name' })).toMatch(/^OUTBOX_TABLE: /);
  });
});
