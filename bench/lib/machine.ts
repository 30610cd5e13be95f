// What a result was measured on: the machine, the load on it, the code's commit and every version involved.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './paths.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  loadAverage: number[];
  node: string;
  commit: string;
  /** Files changed in the work tree beside the commit (the run used them). */
  uncommitted: string[];
  packages: Record<string, string>;
  servers: Record<string, string>;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return '';
  }
}

function packageVersion(name: string): string {
  try {
    const file = path.join(repoRoot, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** `servers` holds the versions the caller asked its servers for (e.g. PostgreSQL's `show server_version`). */
export function machineInfo(servers: Record<string, string> = {}): MachineInfo {
  const pinned = JSON.parse(readFileSync(path.join(repoRoot, 'tools/devenv/versions.json'), 'utf8')) as {
    kafka: { version: string };
    kubernetes: { version: string; kwok: string };
  };
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    commit: git(['rev-parse', '--short=12', 'HEAD']).trim(),
    uncommitted: git(['status', '--porcelain', '--untracked-files=no', '--', 'relay', 'operator'])
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.slice(3)),
    packages: Object.fromEntries(
      ['kafkajs', 'pg', 'mysql2', '@kubernetes/client-node', 'typescript'].map((n) => [n, packageVersion(n)]),
    ),
    servers: {
      kafka: pinned.kafka.version,
      kubernetes: pinned.kubernetes.version,
      kwok: pinned.kubernetes.kwok,
      ...servers,
    },
  };
}
