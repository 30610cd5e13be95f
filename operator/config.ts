// The operator's configuration: flags, then environment, then defaults; validated once (ajv) with
// messages naming the flag, then frozen.
import { Ajv } from 'ajv';
import { OPERATOR_VERSION } from './version.js';

export const FIELD_MANAGER = 'outbox-relay-operator';
/** Who reports the operator's events (events.k8s.io reportingController). */
export const REPORTING_CONTROLLER = 'outbox.kafka-relay.dev/operator';

export interface OperatorConfig {
  kubeconfig?: string;
  /** The namespaces to watch (one or more, each once); undefined watches all. */
  namespaces?: readonly string[];
  leaderElection: boolean;
  leaseName: string;
  leaseNamespace: string;
  leaseDurationSeconds: number;
  identity: string;
  metricsPort: number;
  healthPort: number;
  relayImage: string;
  logLevel: string;
  /** How many reconciles run at once. */
  workers: number;
}

export class ConfigError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const schema = {
  type: 'object',
  properties: {
    kubeconfig: { type: 'string', minLength: 1 },
    namespaces: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    },
    leaderElection: { type: 'boolean' },
    leaseName: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 },
    leaseNamespace: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    leaseDurationSeconds: { type: 'integer', minimum: 2, maximum: 300 },
    identity: { type: 'string', minLength: 1, maxLength: 128 },
    metricsPort: { type: 'integer', minimum: 0, maximum: 65535 },
    healthPort: { type: 'integer', minimum: 0, maximum: 65535 },
    relayImage: { type: 'string', pattern: '^[^\\s]+$' },
    logLevel: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
    workers: { type: 'integer', minimum: 1, maximum: 32 },
  },
  required: [
    'leaderElection',
    'leaseName',
    'leaseNamespace',
    'leaseDurationSeconds',
    'identity',
    'metricsPort',
    'healthPort',
    'relayImage',
    'logLevel',
    'workers',
  ],
  additionalProperties: false,
} as const;

// The flag each field comes from, so a validation message names what the user typed.
const FLAGS: Record<string, string> = {
  kubeconfig: '--kubeconfig',
  namespaces: '--namespace (WATCH_NAMESPACE)',
  leaderElection: '--leader-elect (LEADER_ELECT)',
  leaseName: '--lease-name (LEASE_NAME)',
  leaseNamespace: '--lease-namespace (LEASE_NAMESPACE)',
  leaseDurationSeconds: '--lease-duration (LEASE_DURATION_SECONDS)',
  identity: '--identity (POD_NAME)',
  metricsPort: '--metrics-port (METRICS_PORT)',
  healthPort: '--health-port (HEALTH_PORT)',
  relayImage: '--relay-image (RELAY_IMAGE)',
  logLevel: '--log-level (LOG_LEVEL)',
  workers: '--workers (WORKERS)',
};

export const USAGE = `usage: outbox-relay-operator [flags]
  --kubeconfig FILE          kubeconfig (else KUBECONFIG, else in-cluster)
  --namespace NS[,NS...]     watch these namespaces, comma-separated (WATCH_NAMESPACE; default: all)
  --leader-elect true|false  Lease-based leader election (LEADER_ELECT; default true)
  --lease-name NAME          (LEASE_NAME; default outbox-relay-operator)
  --lease-namespace NS       (LEASE_NAMESPACE, else POD_NAMESPACE, else the first watched namespace, else default)
  --lease-duration SECONDS   (LEASE_DURATION_SECONDS; default 15)
  --identity NAME            this replica's name in the Lease (POD_NAME; default <hostname>-<pid>)
  --metrics-port N           /metrics (METRICS_PORT; default 8080; 0 picks a free port)
  --health-port N            /healthz and /readyz (HEALTH_PORT; default 8081; 0 picks a free port)
  --relay-image IMAGE        default relay image (RELAY_IMAGE; default kafka-outbox-relay/relay:${OPERATOR_VERSION})
  --log-level LEVEL          (LOG_LEVEL; default info)
  --workers N                concurrent reconciles (WORKERS; default 2)
`;

function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      flags.set('help', 'true');
      continue;
    }
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${arg}\n${USAGE}`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  const known = new Set(['help', ...Object.values(FLAGS).map((f) => f.split(' ')[0]!.slice(2))]);
  for (const name of flags.keys()) {
    if (!known.has(name)) throw new ConfigError(`unknown flag --${name}\n${USAGE}`);
  }
  return flags;
}

function toInt(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  return /^-?\d+$/.test(v) ? Number(v) : v;
}

function toBool(v: string | undefined): boolean | string | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return v;
}

/**
 * A comma-separated list of namespaces (as Strimzi's STRIMZI_NAMESPACE), spaces around names allowed;
 * undefined when not given. An empty item stays in, for the schema to refuse naming the flag.
 */
function namespaceList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((n) => n.trim());
}

export function isHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Parses flags and environment into a validated, frozen config. Throws ConfigError naming the flag. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv, hostname = 'operator'): OperatorConfig {
  const f = parseFlags(argv);
  const pick = (flag: string, ...vars: string[]): string | undefined => {
    const fromFlag = f.get(flag);
    if (fromFlag !== undefined) return fromFlag;
    for (const v of vars) if (env[v] !== undefined && env[v] !== '') return env[v];
    return undefined;
  };
  const namespaces = namespaceList(pick('namespace', 'WATCH_NAMESPACE'));
  const namespace = namespaces?.[0];
  const raw: Record<string, unknown> = {
    kubeconfig: pick('kubeconfig', 'KUBECONFIG'),
    namespaces,
    leaderElection: toBool(pick('leader-elect', 'LEADER_ELECT')) ?? true,
    leaseName: pick('lease-name', 'LEASE_NAME') ?? 'outbox-relay-operator',
    leaseNamespace: pick('lease-namespace', 'LEASE_NAMESPACE', 'POD_NAMESPACE') ?? namespace ?? 'default',
    leaseDurationSeconds: toInt(pick('lease-duration', 'LEASE_DURATION_SECONDS')) ?? 15,
    identity: pick('identity', 'POD_NAME') ?? `${hostname}-${process.pid}`,
    metricsPort: toInt(pick('metrics-port', 'METRICS_PORT')) ?? 8080,
    healthPort: toInt(pick('health-port', 'HEALTH_PORT')) ?? 8081,
    relayImage: pick('relay-image', 'RELAY_IMAGE') ?? `kafka-outbox-relay/relay:${OPERATOR_VERSION}`,
    logLevel: pick('log-level', 'LOG_LEVEL') ?? 'info',
    workers: toInt(pick('workers', 'WORKERS')) ?? 2,
  };
  for (const key of Object.keys(raw)) if (raw[key] === undefined) delete raw[key];
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(schema);
  if (!validate(raw)) {
    const messages = (validate.errors ?? []).map((e) => {
      const [field = '', item] = e.instancePath.replace(/^\//, '').split('/');
      const value = item === undefined ? '' : ` ${JSON.stringify((raw[field] as unknown[])[Number(item)])}`;
      return `${FLAGS[field] ?? field}${value}: ${e.message ?? 'is invalid'}`;
    });
    throw new ConfigError(`invalid operator configuration: ${messages.join('; ')}`);
  }
  if (namespaces) Object.freeze(namespaces);
  return Object.freeze(raw as unknown as OperatorConfig);
}
