/** The hardened workload builders refuse insecure or incomplete pods. */
import { App, Chart } from 'cdk8s';
import { assertPinnedImage, hardenedPodSpec, HardenedDeployment, MainContainerSpec } from '../../lib/constructs/workload';

const container: MainContainerSpec = {
  name: 'app',
  image: 'ghcr.io/acme/app:1.2.3',
  ports: [{ name: 'http', containerPort: 8080 }],
  resources: { cpuMillicores: 100, memoryMiB: 128 },
  liveness: { path: '/live', port: 'http' },
  readiness: { path: '/ready', port: 'http' },
};

describe('assertPinnedImage', () => {
  it.each(['nginx', 'nginx:latest', 'ghcr.io/acme/app', 'registry:5000/app', 'app:latest@sha256:zz'])('rejects %s', (image) => {
    expect(() => assertPinnedImage(image)).toThrow(`image "${image}" is not pinned`);
  });
  it.each(['nginx:1.27.3', 'ghcr.io/acme/app:0.1.0', 'registry:5000/app:v1', `app@sha256:${'a'.repeat(64)}`, `app:1.0@sha256:${'b'.repeat(64)}`])(
    'accepts %s',
    (image) => {
      expect(() => assertPinnedImage(image)).not.toThrow();
    },
  );
});

describe('hardenedPodSpec', () => {
  const base = { containers: [container], architectures: ['arm64' as const], selector: { 'app.kubernetes.io/name': 'app' } };

  it('applies the restricted profile to pod and containers', () => {
    const spec = hardenedPodSpec(base);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } }));
    const c = spec.containers[0];
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] },
    ]);
  });

  it('sets memory limit = request and a CPU limit', () => {
    const r = hardenedPodSpec(base).containers[0].resources;
    expect(r?.requests?.memory.value).toBe('128Mi');
    expect(r?.limits?.memory.value).toBe('128Mi');
    expect(r?.limits?.cpu.value).toBe('200m');
  });

  it('refuses root, unpinned images, probes on unnamed ports and empty architectures', () => {
    expect(() => hardenedPodSpec({ ...base, runAsUser: 0 })).toThrow('runAsUser 0');
    expect(() => hardenedPodSpec({ ...base, containers: [{ ...container, image: 'app:latest' }] })).toThrow('not pinned');
    expect(() => hardenedPodSpec({ ...base, containers: [{ ...container, readiness: { path: '/r', port: 'metrics' } }] })).toThrow(
      'probe port "metrics" is not one of its named ports (http)',
    );
    expect(() => hardenedPodSpec({ ...base, architectures: [] })).toThrow('architectures is empty');
    expect(() => hardenedPodSpec({ ...base, containers: [{ ...container, resources: { cpuMillicores: 0, memoryMiB: 1 } }] })).toThrow(
      'must set positive cpuMillicores and memoryMiB',
    );
  });

  it('builds a Deployment with stable selector labels', () => {
    const chart = new Chart(new App(), 'c', { disableResourceNameHashes: true });
    new HardenedDeployment(chart, 'd', { ...base, name: 'app', namespace: 'ns', replicas: 2 });
    const [dep] = chart.toJson();
    expect(dep.metadata.name).toBe('app');
    expect(dep.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'app' });
    expect(dep.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'app' });
  });
});
