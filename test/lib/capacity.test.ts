/** Capacity accounting: quantities, reserves, and the check wired into renderSite. */
import { Chart } from 'cdk8s';
import { allocatable, cpuMillicores, manifestConsumers, memoryMiB } from '../../lib/model/capacity';
import { InputError } from '../../lib/model/errors';
import { defineLayer } from '../../lib/constructs/layer';
import { renderSite } from '../../lib/synth/render';
import { repoCatalog, siteFromYaml } from '../helpers';

describe('capacity', () => {
  it('parses Kubernetes quantities', () => {
    expect(cpuMillicores('250m')).toBe(250);
    expect(cpuMillicores('2')).toBe(2000);
    expect(cpuMillicores(0.5)).toBe(500);
    expect(memoryMiB('512Mi')).toBe(512);
    expect(memoryMiB('2Gi')).toBe(2048);
    expect(memoryMiB('1048576')).toBe(1);
    expect(() => memoryMiB('lots')).toThrow('unsupported memory quantity');
  });

  it('reserves more on K3s servers than on agents', () => {
    const node = { name: 'n', ip: '10.0.0.1', arch: 'arm64' as const, cpuCores: 4, memoryGiB: 8 };
    expect(allocatable({ ...node, role: 'server' })).toEqual({ cpuMillicores: 3500, memoryMiB: 8192 - 1024 - 100 });
    expect(allocatable({ ...node, role: 'agent' })).toEqual({ cpuMillicores: 3750, memoryMiB: 8192 - 512 - 100 });
  });

  it('counts replicas, DaemonSets per node and the larger of init and main containers', () => {
    const pod = (cpu: string, mem: string) => ({ resources: { requests: { cpu, memory: mem } } });
    const consumers = manifestConsumers(
      [
        { kind: 'Deployment', metadata: { name: 'd', namespace: 'n' }, spec: { replicas: 3, template: { spec: { containers: [pod('100m', '100Mi')] } } } },
        { kind: 'DaemonSet', metadata: { name: 'ds', namespace: 'n' }, spec: { template: { spec: { containers: [pod('50m', '10Mi')] } } } },
        {
          kind: 'Job',
          metadata: { name: 'j', namespace: 'n' },
          spec: { template: { spec: { containers: [pod('10m', '10Mi')], initContainers: [pod('500m', '1Gi')] } } },
        },
        { kind: 'Service', metadata: { name: 's' } },
      ],
      2,
    );
    expect(consumers.map((c) => [c.name, c.cpuMillicores, c.memoryMiB])).toEqual([
      ['Deployment/n/d', 300, 300],
      ['DaemonSet/n/ds', 100, 20],
      ['Job/n/j', 500, 1024],
    ]);
  });

  it('fails synthesis naming the site and the figures when requests exceed allocatable', () => {
    const site = siteFromYaml(
      ['name: tiny', 'location: l', 'ring: 0', 'nodes:', '  - { name: t1, ip: 10.9.9.9, arch: arm64, cpuCores: 2, memoryGiB: 2 }'].join('\n'),
    );
    const hungry = defineLayer<true>({
      name: 'hungry',
      resolve: () => true,
      requests: () => [{ name: 'helm/big', cpuMillicores: 100, memoryMiB: 4096, podCpuMillicores: 100, podMemoryMiB: 4096 }],
      build: (scope) => new Chart(scope, 'hungry'),
    });
    let error: unknown;
    try {
      renderSite({ site, file: 'sites/tiny.yaml', catalog: repoCatalog() }, [hungry]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      'sites/tiny.yaml: nodes = "1 node(s)": site "tiny" does not have the capacity its workloads request: requests cpu 100m / memory 4096 MiB (4.0 GiB), ' +
        'allocatable cpu 1500m / memory 924 MiB (node capacity minus the K3s/system reserve); largest: helm/big 4096 MiB (4.0 GiB). ' +
        'Fix: add a node or more memory to the site, or lower layers.*.resources / replicas, or switch a layer off',
    );
  });
});
