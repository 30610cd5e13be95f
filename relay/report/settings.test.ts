import { hostname } from 'node:os';
import { loadConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { refusal } from './reporting.js';

const base = {
  DB_HOST: 'db',
  DB_USER: 'app',
  DB_NAME: 'shop',
  DB_DRIVER: 'postgres',
  KAFKA_HOST: 'k1:9092',
};
const named = { ...base, OUTBOX_RELAY_NAME: 'orders', OUTBOX_RELAY_NAMESPACE: 'shop' };

function fieldOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.field;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the report settings', () => {
  it('report nothing without OUTBOX_RELAY_NAME (standalone use)', () => {
    expect(loadConfig(base).report).toBeUndefined();
  });

  it('are not read by a job', () => {
    expect(loadConfig({ ...named, KUBERNETES_SERVICE_HOST: '10.0.0.1' }, 'cleanup').report).toBeUndefined();
  });

  it("take the API server, token and CA of the pod's service account by default", () => {
    const config = loadConfig({
      ...named,
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      POD_NAME: 'orders-relay-x',
    });
    expect(config.report).toEqual({
      name: 'orders',
      namespace: 'shop',
      podName: 'orders-relay-x',
      apiUrl: 'https://10.96.0.1:443',
      tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    });
  });

  it('bracket an IPv6 service host and default the pod name to the host name', () => {
    const config = loadConfig({ ...named, KUBERNETES_SERVICE_HOST: 'fd00::1' });
    expect(config.report?.apiUrl).toBe('https://[fd00::1]:443');
    expect(config.report?.podName).toBe(hostname());
  });

  it('take an API server, token and CA from settings outside a cluster', () => {
    const config = loadConfig({
      ...named,
      KUBE_API_URL: 'https://127.0.0.1:6443',
      KUBE_TOKEN_FILE: 'token',
      KUBE_CA_FILE: 'ca.crt',
    });
    expect(config.report).toMatchObject({
      apiUrl: 'https://127.0.0.1:6443',
      tokenFile: 'token',
      caFile: 'ca.crt',
    });
  });

  it.each([
    ['OUTBOX_RELAY_NAMESPACE', { ...base, OUTBOX_RELAY_NAME: 'orders', KUBERNETES_SERVICE_HOST: 'h' }],
    ['KUBE_API_URL', named],
    ['KUBE_API_URL', { ...named, KUBE_API_URL: 'ftp://x' }],
    ['KUBERNETES_SERVICE_PORT', { ...named, KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: 'https' }],
  ])('name %s when it is missing or wrong', (field, env) => {
    expect(fieldOf(env as Record<string, string>)).toBe(field);
  });
});

describe('refusal', () => {
  it('tells a refused database login from a refused Kafka credential', () => {
    expect(refusal(new ConfigError('DB_PASS', 'refused'))).toEqual({ database: 'DB_PASS: refused' });
    expect(refusal(new ConfigError('KAFKA_SASL_PASSWORD', 'refused'))).toEqual({
      kafka: 'KAFKA_SASL_PASSWORD: refused',
    });
    expect(refusal(new Error('a bug'))).toBeUndefined();
  });
});
