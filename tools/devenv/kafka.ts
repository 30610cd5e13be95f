// Apache Kafka in KRaft mode, one combined broker and controller, from the broker's jars on Maven Central
// (resolved by Maven into the cache), run on the JDK with a small heap. Automatic topic creation is off.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { resolveJars } from './maven-jars.js';
import { daemonServes, portOpen, progress, run, startDaemon, stopDaemon, waitUntil } from './proc.js';
import { bridge } from './node/node-settings.js';
import type { Settings } from './settings.js';
import {
  SCRAM_MECHANISMS,
  scramUserArgs,
  secureListeners,
  secureListenersReady,
  securityProperties,
  writeKafkaTls,
  type KafkaTlsFiles,
} from './kafka-security.js';
import { ensureTlsPki } from './tls-pki.js';

const NAME = 'kafka';

function libsDir(s: Settings): string {
  return path.join(s.cache, `kafka-${s.versions.kafka.version}`, 'libs');
}

export function kafkaInstalled(s: Settings): boolean {
  return existsSync(path.join(libsDir(s), '.complete'));
}

/** Resolves the broker's jars with Maven into the cache, once per version. */
export async function kafkaInstall(s: Settings): Promise<void> {
  if (kafkaInstalled(s)) return;
  const target = libsDir(s);
  await resolveJars(s, {
    what: 'kafka',
    artifact: `kafka_${s.versions.kafka.scala}:${s.versions.kafka.version}`,
    pom: 'tools/devenv/kafka/pom.xml',
    target,
  });
}

export function kafkaBrokers(s: Settings): string {
  return `127.0.0.1:${s.ports.kafka}`;
}

/** The listener pods on the real node use: on the devenv bridge's gateway, advertised there. */
export function kafkaPodBrokers(s: Settings): string {
  return `${bridge().gateway}:${s.ports.kafkaPods}`;
}

export function serverProperties(s: Settings, dataDir: string, tls: KafkaTlsFiles): string {
  const { kafka, kafkaController } = s.ports;
  const secure = secureListeners(s);
  const advertised = [`PLAINTEXT://127.0.0.1:${kafka}`, `PODS://${kafkaPodBrokers(s)}`, ...secure.listeners];
  const listeners = [...advertised, `CONTROLLER://127.0.0.1:${kafkaController}`];
  const protocols = ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT', 'PODS:PLAINTEXT', ...secure.protocols];
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${kafkaController}`,
    `listeners=${listeners.join(',')}`,
    `advertised.listeners=${advertised.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=${protocols.join(',')}`,
    `log.dirs=${dataDir}`,
    // The code under test must cope with a missing topic; tests create topics through the admin API.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=24',
    'log.segment.bytes=67108864',
    'delete.topic.enable=true',
    ...securityProperties(s, tls),
    '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka=INFO',
  'log4j.logger.org.apache.kafka=INFO',
  'log4j.logger.state.change.logger=WARN',
  'log4j.logger.kafka.request.logger=WARN',
  '',
].join('\n');

function java(s: Settings, mainClass: string, args: string[], heap: string): [string, string[]] {
  return [
    'java',
    [
      `-Xmx${heap}`,
      `-Xms${heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${path.join(s.state, 'kafka', 'log4j.properties')}`,
      '-cp',
      `${libsDir(s)}/*`,
      mainClass,
      ...args,
    ],
  ];
}

/**
 * True when the broker runs with the configuration it would be started with now; a broker started with
 * an older one (other listeners, new certificates) is stopped, so that it starts again with this one.
 */
async function runningAsConfigured(s: Settings, config: string, properties: string): Promise<boolean> {
  if (!(await daemonServes(s.state, NAME, () => portOpen(s.ports.kafka)))) return false;
  if (existsSync(config) && readFileSync(config, 'utf8') === properties) return true;
  progress('kafka: running with an older server.properties (listeners or certificates changed); restarting');
  await kafkaDown(s);
  return false;
}

/** The SCRAM user's credentials (kept in the cluster metadata: set once, kept across restarts). */
async function ensureScramUsers(s: Settings): Promise<void> {
  if (await secureListenersReady(s).catch(() => false)) return;
  progress(`kafka: adding the SCRAM user ${s.secureUsers.scram.username}`);
  for (const mechanism of SCRAM_MECHANISMS) {
    const [cmd, args] = java(s, 'kafka.admin.ConfigCommand', scramUserArgs(s, mechanism), '128m');
    await run(cmd, args);
  }
  await waitUntil('kafka to accept TLS, SCRAM and client-certificate logins', () => secureListenersReady(s), {
    timeoutMs: 30_000,
    state: s.state,
    daemon: NAME,
  });
}

export async function kafkaUp(s: Settings): Promise<void> {
  await kafkaInstall(s);
  const home = path.join(s.state, 'kafka');
  const data = path.join(home, 'data');
  const config = path.join(home, 'server.properties');
  mkdirSync(home, { recursive: true });
  const properties = serverProperties(s, data, writeKafkaTls(s, await ensureTlsPki(s)));
  if (await runningAsConfigured(s, config, properties)) {
    progress(`kafka: already running on ${kafkaBrokers(s)}`);
    return;
  }
  writeFileSync(config, properties);
  writeFileSync(path.join(home, 'log4j.properties'), LOG4J);
  if (!existsSync(path.join(data, 'meta.properties'))) {
    progress(`kafka: formatting KRaft storage in ${data}`);
    const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    // `--cluster-id=<id>` in one argument: a base64url id may begin with '-', which the tool's argument
    // parser would take for an option ("argument --cluster-id/-t: expected one argument").
    const [cmd, args] = java(
      s,
      'kafka.tools.StorageTool',
      ['format', `--cluster-id=${clusterId}`, '-c', config],
      '128m',
    );
    await run(cmd, args);
  }
  progress(`kafka: starting on ${kafkaBrokers(s)}`);
  const [cmd, args] = java(s, 'kafka.Kafka', [config], '512m');
  startDaemon(s.state, { name: NAME, command: cmd, args });
  await waitUntil('kafka to serve metadata', () => kafkaPing(s), {
    timeoutMs: 60_000,
    state: s.state,
    daemon: NAME,
  });
  await ensureScramUsers(s);
  progress('kafka: ready');
}

export async function kafkaPing(s: Settings): Promise<boolean> {
  if (!(await portOpen(s.ports.kafka))) return false;
  const admin = new Kafka({
    clientId: 'devenv',
    brokers: [kafkaBrokers(s)],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function kafkaDown(s: Settings): Promise<boolean> {
  return stopDaemon(s.state, NAME, { graceMs: 30_000 });
}

export const kafkaDaemons = [NAME];
