// Where a shell example of the docs runs: bash in a folder of its own that holds the repository's files (as
// links: `-k config/default`, `charts/kafka-outbox-relay`), a file written by the example stays there;
// kubectl and helm are shim.ts (the docs' namespaces are the test's own), outbox-relay is the relay of this
// checkout with the environment of a scratch PostgreSQL database, and DB_PASSWORD is set.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/operator.js';
import { relayEnv, type TestDb } from '../support/relay-harness.js';
import { devenv } from '../support/servers.js';
import type { NamespaceMap } from './namespace-map.js';

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Shell {
  dir: string;
  run(script: string): Promise<ShellResult>;
  dispose(): void;
}

const TSX = path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs');

function script(file: string, command: string): void {
  writeFileSync(file, `#!/bin/sh\nexec ${command} "$@"\n`);
  chmodSync(file, 0o755);
}

export const DB_PASSWORD = 'doc-test-password';

export function createShell(options: { namespaces: NamespaceMap; db: TestDb; helm: string }): Shell {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-doc-shell-'));
  const bin = path.join(dir, '.bin');
  mkdirSync(bin);
  for (const entry of readdirSync(repoRoot).filter((e) => !e.startsWith('.'))) {
    symlinkSync(path.join(repoRoot, entry), path.join(dir, entry));
  }
  const node = `'${process.execPath}' --import '${TSX}'`;
  script(path.join(bin, 'kubectl'), `${node} '${path.join(repoRoot, 'test/docs/shim.ts')}' kubectl`);
  script(path.join(bin, 'helm'), `${node} '${path.join(repoRoot, 'test/docs/shim.ts')}' helm`);
  script(path.join(bin, 'outbox-relay'), `${node} '${path.join(repoRoot, 'relay/main.ts')}'`);
  const servers = devenv();
  const env = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: dir,
    ...relayEnv(options.db),
    DB_PASSWORD,
    DOC_TEST_NAMESPACES: JSON.stringify(options.namespaces),
    DOC_TEST_KUBECTL: servers.KUBECTL!,
    DOC_TEST_HELM: options.helm,
    KUBECONFIG: servers.KUBECONFIG!,
    HELM_CACHE_HOME: path.join(dir, '.helm/cache'),
    HELM_CONFIG_HOME: path.join(dir, '.helm/config'),
    HELM_DATA_HOME: path.join(dir, '.helm/data'),
  };
  return {
    dir,
    run: (text) =>
      new Promise((resolve, reject) => {
        const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', text], { cwd: dir, env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The columns of a table's header line, as kubectl prints it (two spaces or more between columns). */
export function columns(header: string): string[] {
  return header.trim().split(/\s{2,}/);
}

/** The column names a command's comment lists in capitals (`# DRIVER, TABLE, ...`, `# adds LAST PUBLISHED`). */
export function columnsInComment(command: string): string[] {
  const comment = /\s#\s(.*)$/.exec(command)?.[1] ?? '';
  return [...comment.matchAll(/\b[A-Z]{2,}(?: [A-Z]{2,})*\b/g)].map((m) => m[0]);
}

export interface TranscriptStep {
  command: string;
  output: string[];
}

/** A transcript's `$ command` lines, each with the lines it printed in the doc. */
export function transcript(body: string): TranscriptStep[] {
  const steps: TranscriptStep[] = [];
  for (const line of body.trimEnd().split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
    else steps.at(-1)?.output.push(line);
  }
  return steps;
}
