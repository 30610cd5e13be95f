import { createNamespace, eventually, kubectl, type TestNamespace } from '../support/servers.js';

// What the restricted Pod Security level asks of every pod (each test namespace enforces it).
const restricted = {
  securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
  container: {
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  },
};

function deployment(name: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          securityContext: restricted.securityContext,
          containers: [{ name: 'main', image: 'registry.invalid/smoke:1', ...restricted.container }],
        },
      },
    },
  });
}

async function jsonpath(args: string[], path: string): Promise<string> {
  return (await kubectl([...args, '-o', `jsonpath=${path}`])).trim();
}

describe('the local Kubernetes control plane', () => {
  let ns: TestNamespace;

  beforeAll(async () => {
    ns = await createNamespace('smoke');
  });

  afterAll(async () => {
    await ns?.remove();
  });

  it('authenticates with client certificates and authorizes with RBAC', async () => {
    const modes = await kubectl([
      'auth',
      'can-i',
      'create',
      'deployments',
      '--as',
      'nobody',
      '-n',
      ns.name,
    ]).catch((e: { output?: string }) => e.output ?? '');
    expect(modes.trim()).toBe('no');
    expect((await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).trim()).toBe(
      'outbox-devenv-admin',
    );
  });

  it('makes a Deployment Available on the simulated node', async () => {
    await kubectl(['apply', '-n', ns.name, '-f', '-'], deployment('web'));
    const available = await eventually('the Deployment to become Available', async () => {
      const status = await jsonpath(
        ['get', 'deployment', 'web', '-n', ns.name],
        '{.status.conditions[?(@.type=="Available")].status}',
      );
      return status === 'True' ? status : undefined;
    });
    expect(available).toBe('True');
    const nodes = await jsonpath(
      ['get', 'pods', '-n', ns.name, '-l', 'app=web'],
      '{.items[*].spec.nodeName}',
    );
    expect(nodes.split(' ')).toEqual(['kwok-node-0', 'kwok-node-0']);
  });

  it('runs a Job from a CronJob to completion', async () => {
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      JSON.stringify({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'tick' },
        spec: {
          schedule: '*/5 * * * *',
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  restartPolicy: 'OnFailure',
                  securityContext: restricted.securityContext,
                  containers: [{ name: 'tick', image: 'registry.invalid/tick:1', ...restricted.container }],
                },
              },
            },
          },
        },
      }),
    );
    expect(await jsonpath(['get', 'cronjob', 'tick', '-n', ns.name], '{.spec.schedule}')).toBe('*/5 * * * *');
    await kubectl(['create', 'job', 'tick-manual', '-n', ns.name, '--from=cronjob/tick']);
    const succeeded = await eventually('the Job to succeed', async () => {
      const n = await jsonpath(['get', 'job', 'tick-manual', '-n', ns.name], '{.status.succeeded}');
      return n === '1' ? n : undefined;
    });
    expect(succeeded).toBe('1');
  });

  it('garbage-collects a dependent when its owner is deleted', async () => {
    await kubectl(['create', 'configmap', 'owner', '-n', ns.name, '--from-literal=a=b']);
    const uid = await jsonpath(['get', 'configmap', 'owner', '-n', ns.name], '{.metadata.uid}');
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }],
        },
        data: { c: 'd' },
      }),
    );
    await kubectl(['delete', 'configmap', 'owner', '-n', ns.name]);
    const gone = await eventually('the dependent to be collected', async () => {
      const names = await kubectl(['get', 'configmap', '-n', ns.name, '-o', 'name']);
      return names.includes('configmap/dependent') ? undefined : true;
    });
    expect(gone).toBe(true);
  });
});
