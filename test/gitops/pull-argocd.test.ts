/**
 * Argo CD core at a pull-mode site is part of the site: the gitops layer declares its `argocd` namespace (so
 * the baseline layer gives it Pod Security labels, default-deny, limits and quota), renders the NetworkPolicies
 * it needs on top of default-deny, and declares its requests to the capacity check. Hub-mode sites run no Argo
 * CD and declare nothing.
 */
import { BASELINE_SYNC_WAVE } from '../../charts/gitops/application';
import { PULL_ROOT_KINDS } from '../../charts/gitops/bootstrap';
import { ARGOCD_METRICS, ARGOCD_NAMESPACE, PULL_ARGOCD_COMPONENTS, PULL_ARGOCD_HELM_VALUES, PULL_ARGOCD_SIZES, pullArgoCdConsumers } from '../../charts/gitops/contract';
import { ARGOCD_NETWORK_POLICY_SYNC_WAVE } from '../../charts/gitops/network';
import { K3S_CLUSTER_CIDRS } from '../../lib/model/k3s';
import { MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS } from '../../lib/constructs/telemetry';
import { buildSite, findAll, findResource, K8sObject, resolvedLayers, sampleSite } from '../helpers';
import { allowed, Endpoint } from './netpol';
import { sampleInMode } from './support';

const pull = sampleSite('warehouse');
const hubSite = sampleSite('factory-floor');
const built = buildSite(pull);
const argocdPolicies = (objects: readonly K8sObject[]): K8sObject[] => findAll(objects, 'NetworkPolicy').filter((p) => p.metadata.namespace === ARGOCD_NAMESPACE);

describe('the argocd namespace of a pull-mode site', () => {
  it('is declared by the gitops layer in pull mode only: restricted, with API-server egress', () => {
    expect(pull.gitops.mode).toBe('pull');
    expect(resolvedLayers(pull).get('gitops')?.namespaces).toEqual([{ name: ARGOCD_NAMESPACE, layer: 'gitops', podSecurity: 'restricted', apiServerEgress: true }]);
    expect(resolvedLayers(hubSite).get('gitops')?.namespaces).toEqual([]);
  });

  it('is created by the baseline layer like every layer namespace: PSA restricted, never pruned, default-deny, DNS, API server, limits, quota', () => {
    const baseline = built.layers.baseline;
    const ns = findResource(baseline, 'Namespace', ARGOCD_NAMESPACE);
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'app.kubernetes.io/component': 'baseline' });
    expect(ns.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    const inArgo = baseline.filter((o) => o.metadata.namespace === ARGOCD_NAMESPACE).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(inArgo.sort()).toEqual([
      'LimitRange/container-limits',
      'NetworkPolicy/allow-dns',
      'NetworkPolicy/allow-kube-apiserver',
      'NetworkPolicy/default-deny',
      'ResourceQuota/site-capacity',
    ]);
  });

  it('does not exist at a hub-mode site (its Argo CD is the hub’s)', () => {
    const objects = buildSite(hubSite).all;
    expect(objects.filter((o) => o.metadata.namespace === ARGOCD_NAMESPACE && o.kind !== 'Application')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Namespace' && o.metadata.name === ARGOCD_NAMESPACE)).toEqual([]);
  });

  it('is a destination of the site’s own project, so the baseline Application may create it', () => {
    const project = findResource(built.layers.gitops, 'AppProject', 'edge-site', ARGOCD_NAMESPACE);
    expect(project.spec.destinations).toContainEqual({ server: 'https://kubernetes.default.svc', namespace: ARGOCD_NAMESPACE });
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: '', kind: 'Namespace', name: ARGOCD_NAMESPACE });
  });

  it('keeps the chart’s own (restricted-compliant) security contexts: the values override none of them', () => {
    const walk = (v: unknown, path: string): string[] =>
      v !== null && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => (/securityContext/i.test(k) ? [`${path}.${k}`] : walk(x, `${path}.${k}`))) : [];
    expect(walk(PULL_ARGOCD_HELM_VALUES, 'values')).toEqual([]);
  });
});

describe('NetworkPolicies of Argo CD core (default-deny from the baseline plus the gitops layer’s allowances)', () => {
  const policies = [...argocdPolicies(built.layers.baseline), ...argocdPolicies(built.layers.gitops), ...findAll(built.layers.monitoring, 'NetworkPolicy')];
  const pod = (labels: Readonly<Record<string, string>>, ip: string, namespace = ARGOCD_NAMESPACE): Endpoint => ({ namespace, labels, ip });
  const controller = pod(PULL_ARGOCD_COMPONENTS.controller.podLabels, '10.42.0.11');
  const repoServer = pod(PULL_ARGOCD_COMPONENTS.repoServer.podLabels, '10.42.0.12');
  const redis = pod(PULL_ARGOCD_COMPONENTS.redis.podLabels, '10.42.0.13');
  const prometheus = pod(PROMETHEUS_POD_LABELS, '10.42.1.20', MONITORING_NAMESPACE);
  const github = { ip: '140.82.121.4' };

  it.each([
    ['controller → repo server (manifests)', controller, repoServer, PULL_ARGOCD_COMPONENTS.repoServer.port],
    ['controller → redis', controller, redis, PULL_ARGOCD_COMPONENTS.redis.port],
    ['repo server → redis', repoServer, redis, PULL_ARGOCD_COMPONENTS.redis.port],
    ['repo server → Git host over HTTPS', repoServer, github, 443],
    ['site Prometheus → controller metrics', prometheus, controller, PULL_ARGOCD_COMPONENTS.controller.metricsPort],
  ] as const)('allows %s', (_name, from, to, port) => {
    expect(allowed(policies, from, to, port)).toBe(true);
  });

  it.each([
    ['repo server → a pod address on 443 (cluster CIDR is not the Git host)', repoServer, { ip: '10.42.3.7' }, 443],
    ['repo server → Git host over SSH', repoServer, github, 22],
    ['controller → the internet', controller, github, 443],
    ['redis → the internet', redis, github, 443],
    ['redis → repo server', redis, repoServer, PULL_ARGOCD_COMPONENTS.repoServer.port],
    ['repo server → controller metrics', repoServer, controller, PULL_ARGOCD_COMPONENTS.controller.metricsPort],
    ['site Prometheus → repo server', prometheus, repoServer, PULL_ARGOCD_COMPONENTS.repoServer.port],
    ['another monitoring pod → controller metrics', pod({ 'app.kubernetes.io/name': 'grafana' }, '10.42.1.21', MONITORING_NAMESPACE), controller, 8082],
    ['an inference pod → redis', pod({ 'app.kubernetes.io/name': 'inference-server' }, '10.42.2.5', 'inference'), redis, PULL_ARGOCD_COMPONENTS.redis.port],
  ] as const)('denies %s', (_name, from, to, port) => {
    expect(allowed(policies, from, to, port)).toBe(false);
  });

  it('(control) without the gitops layer’s policies default-deny blocks Argo CD itself', () => {
    const baselineOnly = argocdPolicies(built.layers.baseline);
    expect(allowed(baselineOnly, controller, repoServer, PULL_ARGOCD_COMPONENTS.repoServer.port)).toBe(false);
    expect(allowed(baselineOnly, repoServer, github, 443)).toBe(false);
  });

  it('are applied by the root before the baseline Application brings default-deny, and the bootstrap project permits them', () => {
    const own = argocdPolicies(built.layers.gitops);
    expect(own.map((p) => p.metadata.name).sort()).toEqual(['argocd-application-controller', 'argocd-redis', 'argocd-repo-server']);
    expect(ARGOCD_NETWORK_POLICY_SYNC_WAVE).toBeLessThan(BASELINE_SYNC_WAVE);
    const baselineApp = findResource(built.layers.gitops, 'Application', `${pull.name}-baseline`);
    expect(Number(baselineApp.metadata.annotations?.['argocd.argoproj.io/sync-wave'])).toBe(BASELINE_SYNC_WAVE);
    for (const p of own) expect(p.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe(String(ARGOCD_NETWORK_POLICY_SYNC_WAVE));
    expect(PULL_ROOT_KINDS).toContainEqual({ group: 'networking.k8s.io', kind: 'NetworkPolicy' });
  });

  it('use the ports and the cluster CIDRs the rest of the platform uses', () => {
    expect(PULL_ARGOCD_COMPONENTS.controller.metricsPort).toBe(ARGOCD_METRICS.port);
    const OLLAMA_CLUSTER_CIDRS = findResource(built.layers.ollama, 'NetworkPolicy', 'ollama', 'ollama').spec.egress[0].to[0].ipBlock.except;
    expect([...K3S_CLUSTER_CIDRS]).toEqual([...OLLAMA_CLUSTER_CIDRS]);
  });

  it('are not rendered for a hub-mode site', () => {
    expect(findAll(buildSite(hubSite).layers.gitops, 'NetworkPolicy')).toEqual([]);
  });
});

describe('capacity: Argo CD core counts against the site', () => {
  it('declares the controller, repo server and redis requests from the Helm values’ sizes', () => {
    const argo = resolvedLayers(pull).get('gitops')!.requests.filter((c) => c.name.startsWith(`${ARGOCD_NAMESPACE}/`));
    expect(argo).toEqual(pullArgoCdConsumers());
    const { controller, repoServer, redis } = PULL_ARGOCD_SIZES;
    expect(argo.reduce((a, c) => a + c.memoryMiB, 0)).toBe(controller.memoryMiB + repoServer.memoryMiB + redis.memoryMiB);
    expect(argo.reduce((a, c) => a + c.cpuMillicores, 0)).toBe(controller.cpuMillicores + repoServer.cpuMillicores + redis.cpuMillicores);
  });

  it('raises the site’s rendered requests by exactly that when a site switches to pull mode', () => {
    const asHub = buildSite(sampleInMode('warehouse', 'hub')).rendered.summary.requests;
    const asPull = built.rendered.summary.requests;
    const argo = pullArgoCdConsumers();
    expect(asPull.memoryMiB - asHub.memoryMiB).toBe(argo.reduce((a, c) => a + c.memoryMiB, 0));
    expect(asPull.cpuMillicores - asHub.cpuMillicores).toBe(argo.reduce((a, c) => a + c.cpuMillicores, 0));
  });

  it('still fits the smallest sample site (office, one 4 GiB Raspberry Pi) in pull mode', () => {
    const { requests, allocatable } = buildSite(sampleInMode('office', 'pull')).rendered.summary;
    expect(requests.memoryMiB).toBeLessThanOrEqual(allocatable.memoryMiB);
  });
});
