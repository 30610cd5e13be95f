// Kafka's own command-line tools (the kafka-tools artifact, at the broker's version) from Maven Central,
// resolved by Maven into the cache once per version, apart from the broker's jars. The relay throughput
// benchmark runs its producer performance tool as the broker's limit.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';
import { progress, run } from './proc.js';
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
  const target = kafkaToolsLibs(s);
  const partial = `${target}.partial-${process.pid}`;
  progress(`kafka-tools: resolving kafka-tools:${s.versions.kafka.version} from Maven Central`);
  rmSync(partial, { recursive: true, force: true });
  await run(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      path.join(repoRoot, 'tools/devenv/kafka/tools-pom.xml'),
      `-Dkafka.version=${s.versions.kafka.version}`,
      `-Dslf4j.version=${s.versions.kafka.slf4j}`,
      `-Dlibs.dir=${partial}`,
      'dependency:copy-dependencies',
    ],
    // Captured, not streamed: quiet Maven still prints colour codes; its output is shown if it fails.
    {},
  );
  writeFileSync(path.join(partial, '.complete'), `${new Date().toISOString()}\n`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(path.dirname(target), { recursive: true });
  renameSync(partial, target);
  progress(`kafka-tools: jars cached in ${target}`);
}
