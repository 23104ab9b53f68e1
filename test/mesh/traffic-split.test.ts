/**
 * Exact-weight canary through the mesh (ADR 0029 decision 5): at a mesh site whose inference layer rolls out
 * with the canary strategy, the Rollout uses Argo Rollouts' SMI traffic routing (root, stable and canary
 * Services it owns, a TrafficSplit it writes) and the mesh layer installs linkerd-smi, whose adaptor turns the
 * TrafficSplit into Linkerd routing. Nowhere else. The linkerd-smi and Argo Rollouts releases as the real helm
 * renders them (CRD, adaptor, the controller's RBAC on TrafficSplits) are checked in test/helm/releases.test.ts.
 */
import { CANARY_SERVICE_NAME, INFERENCE_NAMESPACE, STABLE_SERVICE_NAME, TRAFFIC_SPLIT_NAME, WORKLOAD_NAME } from '../../charts/inference/names';
import { LINKERD_SMI_NAMESPACE, RELEASES } from '../../charts/mesh/names';
import { meshTrafficSplit } from '../../lib/constructs/mesh';
import { Site } from '../../lib/model/schema';
import { formatIssue, validateManifests } from '../../tools/validate';
import { buildSite, BuiltSite, findAll, findResource, sampleSite } from '../helpers';
import { argoTrafficSplit } from './support';

const MESH_SITE = 'factory-floor';

const releaseNames = (b: BuiltSite) => findAll(b.layers.gitops, 'Application').map((a) => String(a.spec?.source?.chart ?? ''));
const namespaceNames = (b: BuiltSite) => findAll(b.layers.baseline, 'Namespace').map((n) => n.metadata.name);

let meshBuilt: BuiltSite | undefined;
const mesh = (): BuiltSite => (meshBuilt ??= buildSite(sampleSite(MESH_SITE)));

describe(`mesh traffic split: ${MESH_SITE} (mesh on, canary)`, () => {
  const rollout = () => findResource(mesh().layers.inference, 'Rollout', WORKLOAD_NAME, INFERENCE_NAMESPACE);

  it('the Rollout routes its canary with SMI through the root Service clients call', () => {
    expect(meshTrafficSplit(sampleSite(MESH_SITE))).toBe(true);
    const canary = rollout().spec.strategy.canary;
    expect({ stable: canary.stableService, canary: canary.canaryService, smi: canary.trafficRouting }).toEqual({
      stable: STABLE_SERVICE_NAME,
      canary: CANARY_SERVICE_NAME,
      smi: { smi: { rootService: WORKLOAD_NAME, trafficSplitName: TRAFFIC_SPLIT_NAME } },
    });
    // The steps still weight and gate the canary on the analysis of the new ReplicaSet's pods (by hash).
    expect(canary.steps[0].setWeight).toBeGreaterThan(0);
    expect(canary.steps[0].setWeight).toBeLessThan(100);
    expect(canary.steps[1].analysis.args).toEqual([expect.objectContaining({ valueFrom: { podTemplateHashValue: 'Latest' } })]);
  });

  it('root, stable and canary Services exist, select the Rollout\'s pods and serve the same ports', () => {
    const ro = rollout();
    const podLabels = ro.spec.template.metadata.labels as Record<string, string>;
    const svc = (name: string) => findResource(mesh().layers.inference, 'Service', name, INFERENCE_NAMESPACE);
    const root = svc(WORKLOAD_NAME);
    for (const name of [WORKLOAD_NAME, STABLE_SERVICE_NAME, CANARY_SERVICE_NAME]) {
      const s = svc(name);
      const selector = s.spec.selector as Record<string, string>;
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      // Every selector label is on the pod template (Argo Rollouts adds the pod-template hash to stable/canary).
      expect({ name, selected: Object.entries(selector).every(([k, v]) => podLabels[k] === v) }).toEqual({ name, selected: true });
      expect(selector).toEqual(ro.spec.selector.matchLabels);
      expect(s.spec.ports).toEqual(root.spec.ports);
    }
  });

  it('the NetworkPolicy admitting the clients covers the pods behind all three Services', () => {
    const podLabels = rollout().spec.template.metadata.labels as Record<string, string>;
    const np = findResource(mesh().layers.inference, 'NetworkPolicy', WORKLOAD_NAME, INFERENCE_NAMESPACE);
    expect(Object.entries(np.spec.podSelector.matchLabels as Record<string, string>).every(([k, v]) => podLabels[k] === v)).toBe(true);
  });

  it('the TrafficSplit Argo Rollouts writes validates against the CRD linkerd-smi installs (schemas/crds), and only in a served version', () => {
    const ts = argoTrafficSplit(rollout(), rollout().spec.strategy.canary.steps[0].setWeight);
    expect(validateManifests([ts]).map(formatIssue)).toEqual([]);
    const services = findAll(mesh().layers.inference, 'Service').map((s) => s.metadata.name);
    expect(services).toEqual(expect.arrayContaining([ts.spec.service, ...ts.spec.backends.map((b: { service: string }) => b.service)]));
    // The check bites: a backend without its weight, and a version the CRD does not serve (Argo Rollouts'
    // --traffic-split-api-version v1alpha3 would write one), are rejected.
    const noWeight = { ...ts, spec: { ...ts.spec, backends: [{ service: CANARY_SERVICE_NAME }] } };
    expect(validateManifests([noWeight]).map(formatIssue).join('\n')).toMatch(/weight/);
    expect(validateManifests([argoTrafficSplit(rollout(), 20, 'split.smi-spec.io/v1alpha3')]).length).toBeGreaterThan(0);
  });

  it('linkerd-smi runs in its own restricted namespace and the Argo Rollouts controller may write TrafficSplits', () => {
    expect(releaseNames(mesh())).toContain(RELEASES.smi);
    expect(namespaceNames(mesh())).toContain(LINKERD_SMI_NAMESPACE);
    const ar = findResource(mesh().layers.gitops, 'Application', `${MESH_SITE}-argo-rollouts`);
    const rbac = ar.spec.source.helm.valuesObject.providerRBAC;
    expect(rbac.enabled).toBe(true);
    expect(Object.entries(rbac.providers as Record<string, boolean>).filter(([, on]) => on).map(([p]) => p)).toEqual(['smi']);
  });
});

describe('mesh traffic split: nowhere else', () => {
  const variants: readonly [string, () => Site][] = [
    ['office (no mesh)', () => sampleSite('office')],
    [
      `${MESH_SITE} with blueGreen`,
      () => {
        const s = sampleSite(MESH_SITE);
        return { ...s, layers: { ...s.layers, inference: { ...s.layers.inference, strategy: 'blueGreen' } } };
      },
    ],
  ];
  it.each(variants)('%s: no trafficRouting, no stable/canary Service, no linkerd-smi release or namespace, no TrafficSplit RBAC', (_, site) => {
    expect(meshTrafficSplit(site())).toBe(false);
    const built = buildSite(site());
    const ro = findResource(built.layers.inference, 'Rollout', WORKLOAD_NAME, INFERENCE_NAMESPACE);
    expect(ro.spec.strategy.canary?.trafficRouting).toBeUndefined();
    const services = findAll(built.layers.inference, 'Service').map((s) => s.metadata.name);
    expect(services).not.toEqual(expect.arrayContaining([STABLE_SERVICE_NAME]));
    expect(services).not.toEqual(expect.arrayContaining([CANARY_SERVICE_NAME]));
    expect(releaseNames(built)).not.toContain(RELEASES.smi);
    expect(namespaceNames(built)).not.toContain(LINKERD_SMI_NAMESPACE);
    const ar = findResource(built.layers.gitops, 'Application', `${site().name}-argo-rollouts`);
    expect(ar.spec.source.helm.valuesObject.providerRBAC).toEqual({ enabled: false });
  });
});
