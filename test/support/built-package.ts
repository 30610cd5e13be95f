// The relay as the package ships it: this checkout built by scripts/build.mjs into a folder of its own
// (not the shared dist/), beside a copy of package.json (its "type": "module") and a link to node_modules,
// the layout of an installed package. The folder is readable by every user, so a test can run the relay
// as a non-root user.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './relay-harness.js';

export interface BuiltPackage {
  /** The relay's bin, dist/relay/main.js, run as an executable (its #! line). */
  relayBin: string;
  dispose(): void;
}

export async function buildPackage(): Promise<BuiltPackage> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-package-'));
  chmodSync(dir, 0o755);
  copyFileSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  await promisify(execFile)(process.execPath, [
    path.join(repoRoot, 'scripts/build.mjs'),
    '--out-dir',
    path.join(dir, 'dist'),
  ]);
  return {
    relayBin: path.join(dir, 'dist/relay/main.js'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
