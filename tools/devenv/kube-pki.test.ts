import { kubeconfig, subject } from './kube-pki.js';

describe('control-plane PKI helpers', () => {
  it('puts each group in the subject as an O before the CN, as Kubernetes reads them', () => {
    expect(subject({ name: 'x', commonName: 'alice', organizations: ['dev', 'ops'] })).toBe(
      '/O=dev/O=ops/CN=alice',
    );
  });

  it('embeds the certificates base64-encoded in the kubeconfig', () => {
    const text = kubeconfig({
      server: 'https://127.0.0.1:1',
      caPem: 'CA',
      certPem: 'CERT',
      keyPem: 'KEY',
      user: 'u',
    });
    expect(text).toContain(`certificate-authority-data: ${Buffer.from('CA').toString('base64')}`);
    expect(text).toContain(`client-key-data: ${Buffer.from('KEY').toString('base64')}`);
    expect(text).toContain('server: https://127.0.0.1:1');
  });
});
