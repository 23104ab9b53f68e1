/** Baseline layer: namespaces with PSA labels, default-deny + minimal allowances, limits sized from hardware. */
import { buildSite, findAll, findResource, sampleSite, siteFromYaml, K8sObject } from '../helpers';
import { BaselineChart } from '../../charts/baseline/chart';
import { App, Chart } from 'cdk8s';

const SITES = ['factory-floor', 'warehouse', 'office'];

describe('baseline layer', () => {
  it.each(SITES)('%s: every namespace is PSA-labelled, protected from prune, and has a default-deny policy', (name) => {
    const { layers } = buildSite(sampleSite(name));
    const baseline = layers.baseline;
    const namespaces = findAll(baseline, 'Namespace');
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) {
      const labels = ns.metadata.labels ?? {};
      expect(['restricted', 'baseline', 'privileged']).toContain(labels['pod-security.kubernetes.io/enforce']);
      expect(labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.28');
      expect(labels['pod-security.kubernetes.io/audit']).toBe('restricted');
      expect(labels['pod-security.kubernetes.io/warn']).toBe('restricted');
      if (labels['pod-security.kubernetes.io/enforce'] !== 'restricted') {
        expect(ns.metadata.annotations?.['edge-ai.io/pod-security-reason']).toMatch(/\w{10,}/);
      }
      expect(ns.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
      const deny = findResource(baseline, 'NetworkPolicy', 'default-deny', ns.metadata.name);
      expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      const dns = findResource(baseline, 'NetworkPolicy', 'allow-dns', ns.metadata.name);
      expect(dns.spec.egress[0].to[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'kube-system' });
      expect(dns.spec.egress[0].ports).toEqual([
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ]);
      findResource(baseline, 'LimitRange', 'container-limits', ns.metadata.name);
      findResource(baseline, 'ResourceQuota', 'site-capacity', ns.metadata.name);
    }
  });

  it('creates only the namespaces of enabled layers', () => {
    const office = buildSite(sampleSite('office')).layers.baseline;
    expect(findAll(office, 'Namespace').map((n) => n.metadata.name)).not.toContain('ollama');
    const factory = buildSite(sampleSite('factory-floor')).layers.baseline;
    expect(findAll(factory, 'Namespace').map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['inference', 'ollama']));
  });

  it('sizes LimitRange and ResourceQuota from the site hardware', () => {
    // One 8 GiB / 4-core Pi server: allocatable 8192-1024-100 = 7068 MiB, 4000-500 = 3500m.
    const site = siteFromYaml(
      ['name: pi', 'location: l', 'ring: 0', 'nodes:', '  - { name: pi1, ip: 10.1.1.1, arch: arm64, cpuCores: 4, memoryGiB: 8 }'].join('\n'),
    );
    const baseline = buildSite(site).layers.baseline;
    const quota = findResource(baseline, 'ResourceQuota', 'site-capacity', 'inference');
    expect(quota.spec.hard['requests.memory']).toBe('7068Mi');
    expect(quota.spec.hard['requests.cpu']).toBe('3500m');
    expect(quota.spec.hard['services.nodeports']).toBe('0');
    const limits = findResource(baseline, 'LimitRange', 'container-limits', 'inference');
    expect(limits.spec.limits[0].max).toEqual({ cpu: '3500m', memory: '7068Mi' });
  });

  it('allows API-server egress only to the server nodes and the kubernetes Service', () => {
    const app = new App();
    const site = sampleSite('factory-floor');
    const chart: Chart = new BaselineChart(app, 'b', {
      site,
      namespaces: [{ name: 'ctrl', layer: 'x', apiServerEgress: true }, { name: 'plain', layer: 'y' }],
    });
    const objects = chart.toJson() as K8sObject[];
    const api = findResource(objects, 'NetworkPolicy', 'allow-kube-apiserver', 'ctrl');
    expect(api.spec.egress[0].to).toEqual([{ ipBlock: { cidr: '10.43.0.1/32' } }]);
    expect(api.spec.egress[1].to).toEqual([{ ipBlock: { cidr: '192.168.1.10/32' } }]);
    expect(api.spec.egress[1].ports).toEqual([{ port: 6443, protocol: 'TCP' }]);
    expect(objects.filter((o) => o.metadata.name === 'allow-kube-apiserver' && o.metadata.namespace === 'plain')).toHaveLength(0);
  });

  it('refuses a relaxed Pod Security level without a documented reason, and duplicate namespaces', () => {
    const site = sampleSite('office');
    expect(() => new BaselineChart(new App(), 'b', { site, namespaces: [{ name: 'n', layer: 'x', podSecurity: 'privileged' }] })).toThrow(
      'without podSecurityReason',
    );
    expect(
      () =>
        new BaselineChart(new App(), 'b', {
          site,
          namespaces: [
            { name: 'n', layer: 'x' },
            { name: 'n', layer: 'y' },
          ],
        }),
    ).toThrow('declared twice');
  });
});
