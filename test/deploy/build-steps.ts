// Replays a Dockerfile's steps outside a container: every stage gets a scratch folder standing for its
// root file system; COPY copies from the build context (filtered by .dockerignore) or from an earlier
// stage; RUN runs the same shell command in the mapped working folder. The final stage's RUN installs
// operating-system packages into the base image: it is not replayed here, only returned to the caller.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { keyValues, substitute, type Dockerfile, type Instruction, type Stage } from './dockerfile.js';
import { isIgnored, parseDockerignore } from './dockerignore.js';

export interface BuiltStage {
  stage: Stage;
  /** The folder standing for the stage's `/`. */
  root: string;
  /** The stage's working folder, as a path inside the image. */
  workdir: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** RUN instructions that were not replayed (final stage only). */
  skippedRuns: Instruction[];
}

export function inImage(root: string, imagePath: string): string {
  return path.join(root, imagePath);
}

function sh(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`RUN ${command} failed: ${error.message}\n${stdout}${stderr}`.slice(0, 8000)));
        else resolve();
      },
    );
  });
}

function copyFromContext(
  context: string,
  ignore: ReturnType<typeof parseDockerignore>,
  src: string,
  dest: string,
): void {
  const from = path.join(context, src);
  if (!existsSync(from)) throw new Error(`COPY ${src}: not in the build context`);
  cpSync(from, dest, {
    recursive: true,
    filter: (file) => {
      const rel = path.relative(context, file).split(path.sep).join('/');
      return rel === '' || !isIgnored(ignore, rel);
    },
  });
  if (isIgnored(ignore, src.replace(/^\.\//, '').replace(/\/$/, ''))) {
    throw new Error(`COPY ${src}: excluded by .dockerignore`);
  }
}

function copy(
  ins: Instruction,
  vars: Record<string, string>,
  stageRoot: string,
  workdir: string,
  sourceRoot: (src: string) => string,
): void {
  const parts = substitute(ins.args, vars).split(' ');
  const dest = parts.pop() as string;
  const destInImage = path.posix.resolve(workdir, dest);
  const destDir = dest.endsWith('/') || parts.length > 1;
  for (const src of parts) {
    const from = sourceRoot(src);
    const isDir = statSync(from).isDirectory();
    // COPY dir dest copies the folder's contents into dest; COPY file dir/ keeps the file's name.
    const target = !isDir && destDir ? path.posix.join(destInImage, path.posix.basename(src)) : destInImage;
    mkdirSync(path.dirname(inImage(stageRoot, target)), { recursive: true });
    cpSync(from, inImage(stageRoot, target), { recursive: true });
  }
}

/** Identical build stages of several Dockerfiles are replayed once (npm ci and tsc take a while). */
export type StageCache = Map<string, BuiltStage>;

function stageKey(file: Dockerfile, stage: Stage): string {
  const steps = stage.instructions.map((i) => ({ ...i, line: 0 }));
  return JSON.stringify({ args: file.globalArgs, from: stage.from, name: stage.name, steps });
}

/** Builds every stage into a folder of `scratch`; returns them in order (the last one is the image). */
export async function replayBuild(
  file: Dockerfile,
  context: string,
  scratch: string,
  cache: StageCache = new Map(),
): Promise<BuiltStage[]> {
  const ignore = parseDockerignore(readFileSync(path.join(context, '.dockerignore'), 'utf8'));
  const built: BuiltStage[] = [];
  for (const [index, stage] of file.stages.entries()) {
    const isFinal = index === file.stages.length - 1;
    const key = stageKey(file, stage);
    const cached = isFinal ? undefined : cache.get(key);
    if (cached) {
      built.push(cached);
      continue;
    }
    const root = mkdtempSync(path.join(scratch, `stage-${index}-`));
    chmodSync(root, 0o755);
    const vars: Record<string, string> = { ...file.globalArgs };
    const current: BuiltStage = { stage, root, workdir: '/', env: {}, labels: {}, skippedRuns: [] };
    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case 'ARG': {
          const [name, value = ''] = ins.args.split('=', 2) as [string, string?];
          vars[name] = value;
          break;
        }
        case 'ENV':
          Object.assign(current.env, keyValues(substitute(ins.args, vars)));
          Object.assign(vars, current.env);
          break;
        case 'LABEL':
          Object.assign(current.labels, keyValues(substitute(ins.args, vars)));
          break;
        case 'WORKDIR':
          current.workdir = path.posix.resolve(current.workdir, substitute(ins.args, vars));
          mkdirSync(inImage(root, current.workdir), { recursive: true });
          break;
        case 'COPY': {
          const fromName = ins.flags.from;
          if (fromName === undefined) {
            // Copy into a staging folder through the .dockerignore filter, then place it.
            copy(ins, vars, root, current.workdir, (src) => {
              const staged = path.join(root, '..', `context-${path.basename(root)}`, String(ins.line), src);
              copyFromContext(context, ignore, src, staged);
              return staged;
            });
          } else {
            const source = built.find((b) => b.stage.name === fromName);
            if (!source) throw new Error(`COPY --from=${fromName}: no such stage before line ${ins.line}`);
            copy(ins, vars, root, current.workdir, (src) => inImage(source.root, src));
          }
          break;
        }
        case 'RUN':
          if (isFinal) current.skippedRuns.push(ins);
          else await sh(ins.args, inImage(root, current.workdir), current.env);
          break;
        default:
          // USER, EXPOSE, ENTRYPOINT, CMD describe the image; the caller reads them from the stage.
          break;
      }
    }
    built.push(current);
    if (!isFinal) cache.set(key, current);
  }
  return built;
}

/** Every file under a folder, as paths relative to it with `/` separators. */
export function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(full, base);
    return [path.relative(base, full).split(path.sep).join('/')];
  });
}
