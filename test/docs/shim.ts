// kubectl and helm as the shell examples of the docs see them (`shim.ts kubectl|helm <args>`, put on PATH by
// shell.ts): the real tools against the local control plane, with the docs' namespaces (shop, kafka, ...,
// and the default one) replaced by the test's own (DOC_TEST_NAMESPACES). A kustomize base (`apply -k`)
// holds cluster-wide objects (the CRD, ClusterRoles, Namespaces), so it is applied with a server-side dry
// run, forced (the test's namespaces differ from the real owners' values); so is every helm install or
// upgrade. Everything else runs for real in the test's namespaces (`create namespace shop` included: it
// names the test's namespace, which exists already).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { inTestNamespaces, mapped, type NamespaceMap } from './namespace-map.js';

type KubeObject = { metadata?: { namespace?: string } };

const env = process.env;
const namespaces = JSON.parse(env.DOC_TEST_NAMESPACES ?? '{}') as NamespaceMap;

function need(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The args with the value of -n/--namespace mapped and taken out; the namespace given, if any. */
function takeNamespace(args: string[]): { rest: string[]; namespace?: string } {
  const rest: string[] = [];
  let namespace: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n' || a === '--namespace') namespace = args[++i];
    else if (a.startsWith('--namespace=')) namespace = a.slice('--namespace='.length);
    else rest.push(a);
  }
  return { rest, namespace: mapped(namespaces, namespace) };
}

function run(tool: string, args: string[], input?: string): number {
  const result = spawnSync(tool, args, {
    input,
    stdio: [input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'],
  });
  return result.status ?? 1;
}

/** The value of a file flag (-f/-k and their long forms) and the args without it. */
function takeFile(args: string[], flags: string[]): { rest: string[]; value?: string } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const long = flags.find((f) => f.startsWith('--') && a.startsWith(`${f}=`));
    if (flags.includes(a)) value = args[++i];
    else if (long) value = a.slice(long.length + 1);
    else rest.push(a);
  }
  return { rest, value };
}

/** Applies (or creates) objects, one kubectl per namespace, those without one in `namespace`. */
function applyObjects(kubectl: string[], args: string[], objects: KubeObject[], namespace: string): number {
  const groups = new Map<string, KubeObject[]>();
  for (const o of inTestNamespaces(objects, namespaces)) {
    const ns = o.metadata?.namespace ?? namespace;
    groups.set(ns, [...(groups.get(ns) ?? []), o]);
  }
  let status = 0;
  for (const [ns, group] of groups) {
    const text = group.map((o) => yaml.dump(o)).join('---\n');
    status ||= run(kubectl[0]!, [...kubectl.slice(1), ...args, '-n', ns, '-f', '-'], text);
  }
  return status;
}

const NAMESPACE_RESOURCES = ['namespace', 'namespaces', 'ns'];

/** `kubectl <verb> namespace <name>...` names the test's namespaces too. */
function namespaceNamesMapped(args: string[]): string[] {
  const at = args.findIndex((a) => NAMESPACE_RESOURCES.includes(a));
  if (at !== 1) return args;
  return args.map((a, i) =>
    i > at && !a.startsWith('-') && !a.includes('=') ? (mapped(namespaces, a) ?? a) : a,
  );
}

function kubectl(args: string[]): number {
  const tool = [need('DOC_TEST_KUBECTL'), '--kubeconfig', need('KUBECONFIG')];
  const { rest, namespace } = takeNamespace(args);
  const all = rest.includes('-A') || rest.includes('--all-namespaces');
  const ns = namespace ?? namespaces.default!;
  const kustomize = takeFile(rest, ['-k', '--kustomize']);
  if (kustomize.value !== undefined) {
    const built = spawnSync(tool[0]!, [...tool.slice(1), 'kustomize', kustomize.value], { encoding: 'utf8' });
    if (built.status !== 0) return run(tool[0]!, [...tool.slice(1), 'kustomize', kustomize.value]);
    const dryRun = [...kustomize.rest, '--dry-run=server', '--force-conflicts'];
    return applyObjects(tool, dryRun, yaml.loadAll(built.stdout) as KubeObject[], ns);
  }
  const file = takeFile(rest, ['-f', '--filename']);
  if (file.value !== undefined && ['apply', 'create'].includes(rest[0]!)) {
    const text = readFileSync(file.value === '-' ? 0 : file.value, 'utf8');
    return applyObjects(tool, file.rest, yaml.loadAll(text) as KubeObject[], ns);
  }
  return run(tool[0]!, [...tool.slice(1), ...namespaceNamesMapped(rest), ...(all ? [] : ['-n', ns])]);
}

function helm(args: string[]): number {
  const { rest, namespace } = takeNamespace(args);
  const dryRun = ['install', 'upgrade'].includes(rest[0]!) ? ['--dry-run=server'] : [];
  const ns = ['--namespace', namespace ?? namespaces.default!];
  return run(need('DOC_TEST_HELM'), [...rest, ...ns, ...dryRun, '--kubeconfig', need('KUBECONFIG')]);
}

const [tool, ...args] = process.argv.slice(2);
if (tool === 'kubectl') process.exitCode = kubectl(args);
else if (tool === 'helm') process.exitCode = helm(args);
else throw new Error(`shim.ts: unknown tool ${String(tool)} (kubectl or helm)`);
