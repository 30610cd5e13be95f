import { requiredEtcd, stagingModules, wrapperGoMod } from './kube-build.js';

const upstream = `module k8s.io/kubernetes

require (
\tgo.etcd.io/etcd/server/v3 v3.6.4 // indirect
\tk8s.io/api v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tgithub.com/x/y => github.com/x/y v1.0.0
)
`;

describe('the Kubernetes wrapper module', () => {
  it('finds each staging module that k8s.io/kubernetes points at ./staging', () => {
    expect(stagingModules(upstream)).toEqual(['k8s.io/api', 'k8s.io/client-go']);
  });

  it('replaces each staging module with its published release', () => {
    const mod = wrapperGoMod('v1.34.4', 'v0.34.4', ['k8s.io/api']);
    expect(mod).toContain('require k8s.io/kubernetes v1.34.4');
    expect(mod).toContain('\tk8s.io/api => k8s.io/api v0.34.4');
  });

  it('reads the etcd version the Kubernetes release requires', () => {
    expect(requiredEtcd(upstream)).toBe('v3.6.4');
  });
});
