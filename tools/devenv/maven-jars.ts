// Resolves a pom's dependencies with Maven into a cache folder, once: copied into a partial folder first and
// renamed into place when complete (a `.complete` marker inside), so an interrupted resolve is redone. The
// broker's jars and Kafka's own tools are resolved this way.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';
import { progress, run } from './proc.js';
import type { Settings } from './settings.js';

export async function resolveJars(
  s: Settings,
  o: { what: string; artifact: string; pom: string; target: string },
): Promise<void> {
  const partial = `${o.target}.partial-${process.pid}`;
  progress(`${o.what}: resolving ${o.artifact} from Maven Central`);
  rmSync(partial, { recursive: true, force: true });
  await run(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      path.join(repoRoot, o.pom),
      `-Dkafka.version=${s.versions.kafka.version}`,
      `-Dslf4j.version=${s.versions.kafka.slf4j}`,
      `-Dlibs.dir=${partial}`,
      'dependency:copy-dependencies',
    ],
    // Captured, not streamed: quiet Maven still prints colour codes; its output is shown if it fails.
    {},
  );
  writeFileSync(path.join(partial, '.complete'), `${new Date().toISOString()}\n`);
  rmSync(o.target, { recursive: true, force: true });
  mkdirSync(path.dirname(o.target), { recursive: true });
  renameSync(partial, o.target);
  progress(`${o.what}: jars cached in ${o.target}`);
}
