/**
 * The mesh layer (charts/mesh, ADR 0029): opt-in per site, the proxies counted in the capacity check, what the
 * mesh site renders, and nothing of it at a site that does not opt in. The Linkerd releases as the real `helm
 * template` renders them (closed-world validation, Pod Security, ports, identity, monitors) are checked in
 * test/helm/releases.test.ts, where the mesh sample site's releases are rendered once for every check.
 */
import { HELM_CHARTS } from '../../lib/model/versions';
import { InputError } from '../../lib/model/errors';
import { GENERATED_AT_RENDER, SYNC_WAVES } from '../../charts/mesh/releases';
import { LINKERD_CNI_NAMESPACE, LINKERD_NAMESPACE, LINKERD_SMI_NAMESPACE, PORTS, RELEASES } from '../../charts/mesh/names';
import { Site } from '../../lib/model/schema';
import { buildSite, BuiltSite, findResource, resolvedLayers, sampleSite, siteFromYaml } from '../helpers';

const MESH_SITE = 'factory-floor';

/** A one-node site on a 4 GiB Raspberry Pi 4, the fleet's smallest node, with or without the mesh. */
function piSite(mesh: boolean, prometheusMemoryMiB: number) {
  return siteFromYaml(`
name: pi-line
location: test
ring: 1
nodes:
  - { name: pi-01, ip: 192.168.7.10, arch: arm64, cpuCores: 4, memoryGiB: 4, role: server }
layers:
  inference: { replicas: 2, maxReplicas: 2 }
  ollama: { enabled: false }
  monitoring: { prometheusMemoryMiB: ${prometheusMemoryMiB} }
${mesh ? '  mesh: { enabled: true }\n' : ''}`);
}

let meshSite: BuiltSite | undefined;
/** The mesh sample site, rendered once for the file. */
function meshSiteBuilt(): BuiltSite {
  meshSite ??= buildSite(sampleSite(MESH_SITE));
  return meshSite;
}

/** What the mesh adds to a site's memory requests: its releases' pods, and the proxies the meshed layers declare. */
function meshCostMiB(site: Site): { readonly controlPlane: number; readonly proxies: number } {
  const layers = resolvedLayers(site);
  const mesh = layers.get('mesh');
  if (!mesh) throw new Error(`site ${site.name} has no mesh`);
  const sum = (cs: readonly { memoryMiB: number }[]) => cs.reduce((a, c) => a + c.memoryMiB, 0);
  return {
    controlPlane: sum(mesh.releases({ layers: [] }).flatMap((r) => r.requests)),
    proxies: sum([...layers.values()].flatMap((l) => l.requests).filter((c) => c.name.includes('linkerd-proxy'))),
  };
}

describe('mesh: capacity with proxies', () => {
  it('a site whose node fits the workloads and the control plane but not the proxies fails the check, naming the site and the numbers', () => {
    const base = buildSite(piSite(false, 256)).rendered.summary;
    const cost = meshCostMiB(piSite(true, 256));
    // Control plane (3 controllers + their proxies), the CNI installer and (canary: the default strategy) the
    // linkerd-smi adaptor with its proxy; one proxy per inference replica.
    expect(cost).toEqual({ controlPlane: 96 + 32 + 48 + 32 + 48 + 3 * 48 + 32 + (32 + 48), proxies: 2 * 48 });
    // Fill the node with Prometheus memory until it holds the control plane and half the workload proxies.
    const slack = base.allocatable.memoryMiB - base.requests.memoryMiB;
    expect(slack).toBeGreaterThan(cost.controlPlane + cost.proxies);
    const tight = 256 + slack - cost.controlPlane - Math.floor(cost.proxies / 2);
    let error: unknown;
    try {
      buildSite(piSite(true, tight));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).toMatch(/^sites\/pi-line\.yaml: nodes .*site "pi-line" does not have the capacity its workloads request/);
    expect(message).toContain(`allocatable cpu 3500m / memory ${base.allocatable.memoryMiB} MiB`);
    // The requests it reports are the workloads', the control plane's and the proxies' (which tipped it over).
    const withoutProxies = base.requests.memoryMiB + (tight - 256) + cost.controlPlane;
    expect(withoutProxies).toBeLessThanOrEqual(base.allocatable.memoryMiB);
    expect(withoutProxies + cost.proxies).toBeGreaterThan(base.allocatable.memoryMiB);
    expect(message).toContain(`memory ${withoutProxies + cost.proxies} MiB`);
  });

  it(`${MESH_SITE} with the mesh passes, and its summary counts every proxy`, () => {
    const site = sampleSite(MESH_SITE);
    expect(site.layers.mesh?.enabled).toBe(true);
    const { summary } = meshSiteBuilt().rendered;
    // Inference (2 replicas) and Ollama (1) meshed: 3 workload proxies + the control plane + CNI on 2 nodes +
    // the linkerd-smi adaptor and its proxy (the inference canary goes through the mesh).
    expect(meshCostMiB(site)).toEqual({ controlPlane: 96 + 32 + 48 + 32 + 48 + 3 * 48 + 2 * 32 + (32 + 48), proxies: 3 * 48 });
    const proxies = resolvedLayers(site);
    expect(proxies.get('inference')?.requests.map((c) => c.name)).toContain('Rollout/inference/inference-server linkerd-proxy ×2');
    expect(proxies.get('ollama')?.requests.map((c) => c.name)).toEqual(['StatefulSet/ollama/ollama linkerd-proxy ×1']);
    const listed = summary.layers.map((l) => l.layer);
    expect(listed).toContain('mesh');
    expect(summary.requests.memoryMiB).toBeLessThanOrEqual(summary.allocatable.memoryMiB);
  });
});

describe(`mesh: ${MESH_SITE} renders`, () => {
  let built: BuiltSite;
  beforeAll(() => {
    built = meshSiteBuilt();
  });

  it('the four Linkerd releases as Applications, CRDs first, the control plane after the Prometheus CRDs, linkerd-smi after it, all before the layers', () => {
    const all = built.layers.gitops.filter((o) => o.kind === 'Application');
    const apps = all.filter((o) => String(o.spec?.source?.chart ?? '').includes('linkerd'));
    const wave = (release: string) => Number(findResource(all, 'Application', `${MESH_SITE}-${release}`).metadata.annotations?.['argocd.argoproj.io/sync-wave']);
    expect(apps.map((a) => a.metadata.name).sort()).toEqual([RELEASES.cni, RELEASES.controlPlane, RELEASES.crds, RELEASES.smi].map((r) => `${MESH_SITE}-${r}`).sort());
    expect([wave(RELEASES.crds), wave(RELEASES.cni), wave(RELEASES.controlPlane), wave(RELEASES.smi)]).toEqual([SYNC_WAVES.crds, SYNC_WAVES.cni, SYNC_WAVES.controlPlane, SYNC_WAVES.smi]);
    expect(wave(RELEASES.smi)).toBeGreaterThan(wave(RELEASES.controlPlane));
    expect(wave(RELEASES.smi)).toBeLessThan(0);
    expect(wave(RELEASES.crds)).toBeLessThan(wave(RELEASES.cni));
    expect(wave(RELEASES.controlPlane)).toBeGreaterThan(wave('kube-prometheus-stack'));
    expect(wave(RELEASES.controlPlane)).toBeLessThan(0);
    const cp = findResource(apps, 'Application', `${MESH_SITE}-${RELEASES.controlPlane}`);
    expect(cp.spec.source.targetRevision).toBe(HELM_CHARTS.linkerdControlPlane.version);
    // The render-time certificates and checksums are left as they are live (otherwise: a restart loop).
    expect(cp.spec.ignoreDifferences).toEqual(expect.arrayContaining(GENERATED_AT_RENDER.map((d) => expect.objectContaining({ kind: d.kind, name: d.name }))));
    expect(cp.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  it('the inference and Ollama pods ask for a proxy; the Ollama bootstrap Job does not (it would never complete)', () => {
    const rollout = findResource(built.layers.inference, 'Rollout', 'inference-server', 'inference');
    expect(rollout.spec.template.metadata.annotations['linkerd.io/inject']).toBe('enabled');
    const sts = findResource(built.layers.ollama, 'StatefulSet', 'ollama', 'ollama');
    expect(sts.spec.template.metadata.annotations['linkerd.io/inject']).toBe('enabled');
    const job = built.layers.ollama.find((o) => o.kind === 'Job');
    expect(job?.spec.template.metadata.annotations?.['linkerd.io/inject']).toBeUndefined();
  });

  it('namespaces: linkerd restricted with API server egress, linkerd-cni privileged with its reason, meshed namespaces still restricted', () => {
    const ns = (name: string) => findResource(built.layers.baseline, 'Namespace', name);
    expect(ns(LINKERD_NAMESPACE).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(ns(LINKERD_CNI_NAMESPACE).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns(LINKERD_CNI_NAMESPACE).metadata.annotations?.['edge-ai.io/pod-security-reason']).toMatch(/hostPath/);
    for (const meshed of ['inference', 'ollama']) expect(ns(meshed).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    findResource(built.layers.baseline, 'NetworkPolicy', 'allow-kube-apiserver', LINKERD_NAMESPACE);
    // linkerd-smi: restricted; its adaptor (and the chart's post-install hook) talk to the API server.
    expect(ns(LINKERD_SMI_NAMESPACE).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    findResource(built.layers.baseline, 'NetworkPolicy', 'allow-kube-apiserver', LINKERD_SMI_NAMESPACE);
    findResource(built.layers.baseline, 'NetworkPolicy', 'default-deny', LINKERD_SMI_NAMESPACE);
  });

  it('NetworkPolicies: proxies reach the control plane, the API server the webhooks, Prometheus the admin ports', () => {
    const mesh = built.layers.mesh;
    const ports = (rule: { ports?: { port: number }[] }) => (rule.ports ?? []).map((p) => p.port).sort((a, b) => a - b);
    const cp = findResource(mesh, 'NetworkPolicy', 'linkerd-control-plane', LINKERD_NAMESPACE);
    expect(ports(cp.spec.ingress[0])).toEqual([PORTS.proxyInbound, PORTS.identity, PORTS.destination, PORTS.policy].sort((a, b) => a - b));
    expect(cp.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values).toEqual(['inference', LINKERD_NAMESPACE, LINKERD_SMI_NAMESPACE, 'ollama']);
    const webhooks = findResource(mesh, 'NetworkPolicy', 'linkerd-webhooks', LINKERD_NAMESPACE);
    expect(ports(webhooks.spec.ingress[0])).toEqual([PORTS.webhook, PORTS.policyWebhook]);
    expect(webhooks.spec.ingress[0].from.map((p: { ipBlock: { cidr: string } }) => p.ipBlock.cidr)).toEqual(['192.168.1.10/32', '10.42.0.0/16']);
    const scrape = findResource(mesh, 'NetworkPolicy', 'linkerd-prometheus', LINKERD_NAMESPACE);
    expect(ports(scrape.spec.ingress[0])).toEqual([PORTS.proxyAdmin, ...PORTS.controllerAdmin]);
    for (const ns of ['inference', 'ollama', LINKERD_SMI_NAMESPACE]) {
      const p = findResource(mesh, 'NetworkPolicy', 'linkerd-proxy', ns);
      expect({ ns, egress: ports(p.spec.egress[0]), ingress: ports(p.spec.ingress[0]) }).toEqual({ ns, egress: [PORTS.identity, PORTS.destination, PORTS.policy], ingress: [PORTS.proxyAdmin] });
    }
  });

  it('the mesh alerts are rendered with the site rules, on metrics of the catalogue', () => {
    const rules = built.layers.monitoring.filter((o) => o.kind === 'PrometheusRule' && o.metadata.name === 'edge-ai-mesh');
    expect(rules).toHaveLength(1);
    const alerts = rules[0].spec.groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(['LinkerdControlPlaneDown', 'LinkerdProxyMissing', 'LinkerdProxyCertificateExpiring']);
    expect(JSON.stringify(rules[0])).toContain('namespace=~\\"inference|ollama\\"');
  });
});

describe('mesh: a site without layers.mesh', () => {
  const office = sampleSite('office');
  let officeBuilt: BuiltSite;
  beforeAll(() => {
    officeBuilt = buildSite(office);
  });

  it('has no Linkerd object, annotation, namespace or release (only the chart repository in the AppProject\'s allowed sources)', () => {
    expect(office.layers.mesh).toBeUndefined();
    expect(Object.keys(officeBuilt.layers)).not.toContain('mesh');
    const withoutSources = officeBuilt.all.map((o) => (o.kind === 'AppProject' ? { ...o, spec: { ...o.spec, sourceRepos: [] } } : o));
    expect(JSON.stringify(withoutSources)).not.toMatch(/linkerd|4143/i);
  });

  it('mesh: { enabled: false } renders exactly the same files as no key', () => {
    const explicit = { ...office, layers: { ...office.layers, mesh: { enabled: false } } };
    expect(buildSite(explicit).rendered.files).toEqual(officeBuilt.rendered.files);
  });

  it('rejects an unknown key under layers.mesh, naming it', () => {
    expect(() => siteFromYaml('name: x\nlocation: t\nring: 1\nnodes: [{ name: n, ip: 192.168.1.2, arch: arm64, cpuCores: 4, memoryGiB: 4 }]\nlayers:\n  mesh: { enabled: true, proxyMemoryMiB: 48 }\n')).toThrow(
      /layers\.mesh.*proxyMemoryMiB/,
    );
  });
});
