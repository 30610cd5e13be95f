// Kafka's own command-line tools (the kafka-tools artifact, at the broker's version) from Maven Central,
// resolved by Maven into the cache once per version, apart from the broker's jars. The relay throughput
// benchmark runs its producer performance tool as the broker's limit.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveJars } from './maven-jars.js';
import type { Settings } from './settings.js';

export function kafkaToolsLibs(s: Settings): string {
  return path.join(s.cache, `kafka-tools-${s.versions.kafka.version}`, 'libs');
}

export function kafkaToolsInstalled(s: Settings): boolean {
  return existsSync(path.join(kafkaToolsLibs(s), '.complete'));
}

/** The JVM classpath of the tools (a wildcard over the cached jars). */
export function kafkaToolsClasspath(s: Settings): string {
  return `${kafkaToolsLibs(s)}/*`;
}

export async function kafkaToolsInstall(s: Settings): Promise<void> {
  if (kafkaToolsInstalled(s)) return;
  await resolveJars(s, {
    what: 'kafka-tools',
    artifact: `kafka-tools:${s.versions.kafka.version}`,
    pom: 'tools/devenv/kafka/tools-pom.xml',
    target: kafkaToolsLibs(s),
  });
}
