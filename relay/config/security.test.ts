import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { makePemFixtures, type PemFixtures } from '../testing/pem-fixtures.js';
import { loadConfig, storeConfig } from './config.js';

const base = {
  DB_HOST: 'db.example',
  DB_USER: 'app',
  DB_PASS: 's3cret-db',
  DB_NAME: 'shop',
  DB_DRIVER: 'postgres',
  KAFKA_HOST: 'k1:9093',
};

function errorOf(env: Record<string, string>, command: 'run' | 'cleanup' = 'run'): ConfigError {
  try {
    loadConfig(env, command);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

let files: PemFixtures;
beforeAll(() => {
  files = makePemFixtures();
});
afterAll(() => files.remove());

describe('the database TLS mode', () => {
  it.each([
    ['postgres', {}, 'disable'],
    ['postgres', { DB_TLS_ENABLE: 'true' }, 'verify-full'],
    ['mysql', { DB_TLS_ENABLE: 'true' }, 'verify-ca'],
    ['postgres', { DB_TLS_ENABLE: 'true', DB_TLS_VERIFY: 'false' }, 'require'],
    ['mysql', { DB_TLS_ENABLE: 'true', DB_TLS_VERIFY: 'false' }, 'require'],
    ['postgres', { DB_TLS_MODE: 'verify-ca', DB_TLS_ENABLE: 'false' }, 'verify-ca'],
    ['mysql', { DB_TLS_MODE: 'VERIFY_IDENTITY' }, 'verify-full'],
    ['mysql', { DB_TLS_MODE: 'REQUIRED' }, 'require'],
    ['postgres', { DB_TLS_MODE: 'disable', DB_TLS_ENABLE: 'true' }, 'disable'],
  ])("on %s with %j is %s (the Go relay's variables as each driver read them)", (driver, env, mode) => {
    expect(loadConfig({ ...base, DB_DRIVER: driver, ...env }).db.tls.mode).toBe(mode);
  });

  it('rejects a mode it does not know, listing the ones it does', () => {
    expect(errorOf({ ...base, DB_TLS_MODE: 'prefer' }).message).toMatch(
      /^DB_TLS_MODE: invalid value \(got "prefer"\); accepts one of disable, require, verify-ca, verify-full/,
    );
  });

  it('refuses a CA file with TLS off, and with require (which would not use it)', () => {
    expect(errorOf({ ...base, DB_TLS_CA_FILE: files.ca }).field).toBe('DB_TLS_CA_FILE');
    const required = errorOf({ ...base, DB_TLS_MODE: 'require', DB_TLS_CA_FILE: files.ca });
    expect(required.message).toMatch(/^DB_TLS_CA_FILE: is set, but the TLS mode require does not verify/);
  });

  it('refuses verify-full to an IP address on mysql, whose driver cannot check one', () => {
    const env = { ...base, DB_DRIVER: 'mysql', DB_TLS_MODE: 'verify-full' };
    expect(errorOf({ ...env, DB_HOST: '10.0.0.5' }).message).toMatch(
      /^DB_TLS_MODE: verify-full on mysql needs/,
    );
    expect(loadConfig(env).db.tls.mode).toBe('verify-full');
    expect(loadConfig({ ...env, DB_DRIVER: 'postgres', DB_HOST: '10.0.0.5' }).db.tls.mode).toBe(
      'verify-full',
    );
  });

  it('reads the CA, the client certificate and its key, the key never shown', () => {
    const config = loadConfig({
      ...base,
      DB_TLS_MODE: 'verify-full',
      DB_TLS_CA_FILE: files.ca,
      DB_TLS_CERT_FILE: files.cert,
      DB_TLS_KEY_FILE: files.key,
    });
    expect(config.db.tls.ca).toMatchObject({ variable: 'DB_TLS_CA_FILE', path: files.ca });
    expect(config.db.tls.key?.pem).toContain('PRIVATE KEY');
    expect(JSON.stringify(config)).not.toContain('PRIVATE KEY');
    expect(storeConfig(config, 'shop').tls).toBe(config.db.tls);
  });

  it('asks for the key of a client certificate, naming it', () => {
    const env = { ...base, DB_TLS_MODE: 'verify-full', DB_TLS_CERT_FILE: files.cert };
    expect(errorOf(env).message).toBe('DB_TLS_KEY_FILE: is required when DB_TLS_CERT_FILE is set');
    expect(errorOf(env, 'cleanup').field).toBe('DB_TLS_KEY_FILE');
  });
});

describe('Kafka TLS', () => {
  it('keeps TLS_ENABLE and TLS_SKIP_VERIFY_PEER as they were', () => {
    const config = loadConfig({ ...base, TLS_ENABLE: 'true', TLS_SKIP_VERIFY_PEER: 'true' });
    expect(config.kafka.tls).toEqual({ enabled: true, skipVerify: true });
  });

  it('reads the CA and the client certificate for run', () => {
    const env = {
      ...base,
      TLS_ENABLE: 'true',
      KAFKA_TLS_CA_FILE: files.ca,
      KAFKA_TLS_CERT_FILE: files.cert,
      KAFKA_TLS_KEY_FILE: files.key,
    };
    const tls = loadConfig(env).kafka.tls;
    expect(tls.ca?.path).toBe(files.ca);
    expect(tls.cert?.variable).toBe('KAFKA_TLS_CERT_FILE');
    expect(Object.keys(tls.key!)).toEqual(['variable', 'path']);
  });

  it('leaves Kafka files unread for the jobs, which never connect to Kafka', () => {
    const env = { ...base, TLS_ENABLE: 'true', KAFKA_TLS_CA_FILE: '/nowhere/ca.crt' };
    expect(loadConfig(env, 'cleanup').kafka.tls).toEqual({ enabled: true, skipVerify: false });
    expect(errorOf(env).message).toMatch(/^KAFKA_TLS_CA_FILE: cannot read \/nowhere\/ca.crt \(ENOENT/);
  });

  it('refuses files without TLS_ENABLE, and a CA with TLS_SKIP_VERIFY_PEER', () => {
    expect(errorOf({ ...base, KAFKA_TLS_CA_FILE: files.ca }).message).toMatch(
      /^KAFKA_TLS_CA_FILE: is set, but the file is used only over TLS: set TLS_ENABLE=true/,
    );
    const skip = { ...base, TLS_ENABLE: 'true', TLS_SKIP_VERIFY_PEER: 'true', KAFKA_TLS_CA_FILE: files.ca };
    expect(errorOf(skip).message).toMatch(/^KAFKA_TLS_CA_FILE: cannot be set when TLS_SKIP_VERIFY_PEER=true/);
  });

  it('names the variable and the path of a file that is not what it should be, never its content', () => {
    const env = { ...base, TLS_ENABLE: 'true' };
    expect(errorOf({ ...env, KAFKA_TLS_CA_FILE: files.notPem }).message).toBe(
      `KAFKA_TLS_CA_FILE: ${files.notPem} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
    const wrongKey = { ...env, KAFKA_TLS_CERT_FILE: files.cert, KAFKA_TLS_KEY_FILE: files.otherKey };
    expect(errorOf(wrongKey).message).toMatch(/^KAFKA_TLS_KEY_FILE: the key in .* does not belong to/);
    const encrypted = { ...env, KAFKA_TLS_CERT_FILE: files.cert, KAFKA_TLS_KEY_FILE: files.encryptedKey };
    expect(errorOf(encrypted).message).toMatch(/encrypted private key; the relay needs it unencrypted/);
    const asKey = { ...env, KAFKA_TLS_CERT_FILE: files.cert, KAFKA_TLS_KEY_FILE: files.notPem };
    expect(errorOf(asKey).message).not.toContain('just some text');
  });
});

describe('Kafka SASL', () => {
  const sasl = { ...base, KAFKA_SASL_MECHANISM: 'scram-sha-512' };

  it("reads the user and the password from files (a Strimzi KafkaUser's Secret, mounted)", () => {
    const user = path.join(files.dir, 'username');
    const password = path.join(files.dir, 'password');
    writeFileSync(user, 'orders-relay\n');
    writeFileSync(password, 'file-s3cret');
    const config = loadConfig({
      ...sasl,
      KAFKA_SASL_USERNAME_FILE: user,
      KAFKA_SASL_PASSWORD_FILE: password,
    });
    expect(config.kafka.sasl).toMatchObject({
      mechanism: 'scram-sha-512',
      username: 'orders-relay',
      usernameFrom: 'KAFKA_SASL_USERNAME_FILE',
      passwordFrom: 'KAFKA_SASL_PASSWORD_FILE',
    });
    expect(config.kafka.sasl?.password).toBe('file-s3cret');
    expect(JSON.stringify(config)).not.toContain('file-s3cret');
  });

  it('takes one of a value and a file, and asks for one', () => {
    const both = {
      ...sasl,
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
      KAFKA_SASL_PASSWORD_FILE: '/p',
    };
    expect(errorOf(both).message).toBe(
      'KAFKA_SASL_PASSWORD_FILE: cannot be set together with KAFKA_SASL_PASSWORD: set one of them',
    );
    expect(errorOf({ ...sasl, KAFKA_SASL_USERNAME: 'u' }).message).toBe(
      'KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM is set (or KAFKA_SASL_PASSWORD_FILE, a file holding it)',
    );
  });

  it('refuses a credentials file without a mechanism, and an empty or unreadable one', () => {
    expect(errorOf({ ...base, KAFKA_SASL_PASSWORD_FILE: '/p' }).field).toBe('KAFKA_SASL_PASSWORD_FILE');
    const empty = path.join(files.dir, 'empty');
    writeFileSync(empty, '\n');
    const env = { ...sasl, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: empty };
    expect(errorOf(env).message).toBe(`KAFKA_SASL_PASSWORD_FILE: ${empty} is empty`);
    const denied = errorOf({ ...env, KAFKA_SASL_PASSWORD_FILE: files.dir });
    expect(denied.message).toBe(
      `KAFKA_SASL_PASSWORD_FILE: cannot read ${files.dir} (EISDIR: a folder, not a file)`,
    );
  });
});

describe('the database password', () => {
  const { DB_PASS: _value, ...noPassword } = base;

  it('reads DB_PASS_FILE once at start, without its final newline, and never shows it', () => {
    const file = path.join(files.dir, 'db-password');
    writeFileSync(file, 'file-db-s3cret\n');
    const config = loadConfig({ ...noPassword, DB_PASS_FILE: file }, 'cleanup');
    expect(config.db.password).toBe('file-db-s3cret');
    expect(storeConfig(config, 'shop').password).toBe('file-db-s3cret');
    expect(storeConfig(config, 'shop').passwordFrom).toBe('DB_PASS_FILE');
    expect(storeConfig(loadConfig(base), 'shop').passwordFrom).toBe('DB_PASS');
    expect(JSON.stringify(config)).not.toContain('file-db-s3cret');
  });

  it("keeps the Go relay's DB_PASS, and an unset one is empty", () => {
    expect(loadConfig(base).db.password).toBe('s3cret-db');
    expect(loadConfig(noPassword).db.password).toBe('');
  });

  it('refuses DB_PASS and DB_PASS_FILE together, naming both', () => {
    const error = errorOf({ ...base, DB_PASS_FILE: '/p' }, 'cleanup');
    expect(error.field).toBe('DB_PASS_FILE');
    expect(error.message).toBe(
      'DB_PASS_FILE: cannot be set when DB_PASS is set: set one of them (DB_PASS_FILE names a file holding the password)',
    );
  });

  it('reads an empty file as an empty password (a certificate user), as an empty DB_PASS', () => {
    const empty = path.join(files.dir, 'empty-db-password');
    writeFileSync(empty, '\n');
    expect(loadConfig({ ...noPassword, DB_PASS_FILE: empty }).db.password).toBe('');
  });

  it('names DB_PASS_FILE and the path of an unreadable file', () => {
    expect(errorOf({ ...noPassword, DB_PASS_FILE: files.dir }).message).toBe(
      `DB_PASS_FILE: cannot read ${files.dir} (EISDIR: a folder, not a file)`,
    );
    expect(errorOf({ ...noPassword, DB_PASS_FILE: path.join(files.dir, 'missing') }).message).toBe(
      `DB_PASS_FILE: cannot read ${path.join(files.dir, 'missing')} (ENOENT: no such file)`,
    );
  });
});
