#!/usr/bin/env node
// Copies the node_modules one program needs, and nothing else, for its image:
//   node scripts/image-modules.mjs <relay|operator> <out-dir>
// One lockfile and one install serve both programs; each image ships only the closure of its own runtime
// dependencies (scripts/image-dependencies.json), resolved through package-lock.json the way Node finds
// packages (nearest node_modules first). Measured: the relay has no use for @kubernetes/client-node (57 MB
// of the 91 MB a shared production install holds), the operator none for pg, mysql2 or kafkajs.
// Type declarations (@types/*, *.d.ts) and the libraries' source maps are left out too: nothing loads them
// at run time, and in @kubernetes/client-node alone they are 21 and 10 MB.
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The lockfile locations (node_modules/a, node_modules/a/node_modules/b) a program's imports reach. */
export function closure(lock, roots) {
  const packages = lock.packages ?? {};
  const resolve = (name, from) => {
    // From node_modules/a/node_modules/b: first its own node_modules, then each enclosing one.
    const segments = from === '' ? [] : from.split('/node_modules/');
    for (let depth = segments.length; depth >= 0; depth--) {
      const base = segments.slice(0, depth).join('/node_modules/');
      const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
      if (packages[candidate]) return candidate;
    }
    return undefined;
  };
  const found = new Set();
  const visit = (name, from, optional) => {
    if (name.startsWith('@types/')) return;
    const location = resolve(name, from);
    if (location === undefined) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || 'the program'}) is not in package-lock.json`);
    }
    if (found.has(location)) return;
    const entry = packages[location];
    if (entry.dev) throw new Error(`${location} is a dev dependency but the program needs it at run time`);
    found.add(location);
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(dep, location, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(dep, location, true);
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      visit(dep, location, optionalPeers[dep]?.optional === true);
    }
  };
  for (const root of roots) visit(root, '', false);
  return [...found].sort();
}

/** Files no program loads at run time. */
export const unused = (file) => /\.d\.[cm]?ts$|\.map$/.test(file);

function main(argv) {
  const [program, out] = argv;
  const here = process.cwd();
  const programs = JSON.parse(readFileSync(path.join(here, 'scripts/image-dependencies.json'), 'utf8'));
  const roots = programs[program];
  if (!Array.isArray(roots) || out === undefined) {
    throw new Error(`usage: image-modules.mjs <${Object.keys(programs).join('|')}> <out-dir>`);
  }
  const lock = JSON.parse(readFileSync(path.join(here, 'package-lock.json'), 'utf8'));
  const locations = closure(lock, roots);
  for (const location of locations) {
    const from = path.join(here, location);
    if (!existsSync(from)) {
      // npm installs only the optional packages made for this platform (a native package's builds for
      // other systems and processors, such as lz4-napi's): the others are in the lockfile, not installed.
      if (lock.packages[location]?.optional) continue;
      throw new Error(`${location} is in the lockfile but not installed`);
    }
    const to = path.join(out, location);
    mkdirSync(to, { recursive: true });
    // Nested node_modules are copied as locations of their own, only when the closure reaches them.
    cpSync(from, to, {
      recursive: true,
      filter: (src) => src !== path.join(from, 'node_modules') && !unused(src),
    });
  }
  console.log(`${program}: ${locations.length} packages copied to ${out}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
