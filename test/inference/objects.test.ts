/**
 * The objects around the Rollout: model ConfigMaps, Services and ServiceMonitor, HPA, PDB, NetworkPolicies,
 * the Argo Rollouts HelmRelease, and closed-world schema validation of every variant.
 */
import { createHash } from 'node:crypto';
import { MODEL_ANNOTATION_PREFIX, PRUNE_LAST } from '../../charts/inference/chart';
import { ARGO_ROLLOUTS_RESOURCES } from '../../charts/inference/argo-rollouts';
import { InferenceModel } from '../../lib/model/inference-models';
import { CONFIGMAP_HASH_LENGTH } from '../../charts/inference/runtime';
import { Catalog } from '../../lib/model/site';
import { OTEL_COLLECTOR_POD_LABELS, PROMETHEUS_POD_LABELS, PROMETHEUS_SELECTOR_LABELS } from '../../lib/constructs/telemetry';
import { validateManifests } from '../../tools/validate';
import { HELM_CHARTS } from '../../lib/model/versions';
import { findAll, findResource, K8sObject, repoCatalog, resolvedLayers } from '../helpers';
import { inferenceObjects, testSite } from './sites';

const model = (): InferenceModel => repoCatalog().onnxModels.filter((m) => m.name === 'bearing-anomaly').at(-1)!;

/** Does a label selector (matchLabels only) select an object with these labels? */
function selects(matchLabels: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(matchLabels).every(([k, v]) => labels?.[k] === v);
}

describe('model delivery (ADR 0006: immutable ConfigMap per model version)', () => {
  const objects = inferenceObjects({});
  const configMaps = findAll(objects, 'ConfigMap');
  const cm = configMaps[0];
  const volumes = (objs: K8sObject[]) => findResource(objs, 'Rollout', 'inference-server').spec.template.spec.volumes;

  it('ships the exact committed bytes of model.onnx, model.json and the eval set', () => {
    const m = model();
    expect(configMaps).toHaveLength(1);
    expect(createHash('sha256').update(Buffer.from(cm.binaryData['model.onnx'], 'base64')).digest('hex')).toBe(m.sha256);
    expect(cm.data).toEqual({ 'model.json': m.metadataJson, [m.evalSet]: m.evalSetJson });
  });

  it('is immutable, named after the model and a hash of its content, and projected into /models/<name>/<version>/', () => {
    expect(cm.metadata.name).toMatch(new RegExp(`^model-bearing-anomaly-[a-f0-9]{${CONFIGMAP_HASH_LENGTH}}$`));
    expect(cm.immutable).toBe(true);
    expect(cm.metadata.annotations).toEqual(expect.objectContaining(PRUNE_LAST));
    expect(cm.metadata.annotations?.[`${MODEL_ANNOTATION_PREFIX}bearing-anomaly`]).toBe(`${model().version}@sha256:${model().sha256}`);
    const items = ['eval.json', 'model.json', 'model.onnx'].map((key) => ({ key, path: `${model().version}/${key}` }));
    expect(volumes(objects)).toEqual(expect.arrayContaining([{ name: 'model-bearing-anomaly', projected: { defaultMode: 0o444, sources: [{ configMap: { name: cm.metadata.name, items } }] } }]));
  });

  it('any change to a delivered file (not only model.onnx) yields a new ConfigMap and a new pod template', () => {
    const m = model();
    const changed: InferenceModel = { ...m, metadataJson: m.metadataJson.replace('"minimumAccuracy": 0.9', '"minimumAccuracy": 0.95') };
    expect(changed.metadataJson).not.toBe(m.metadataJson);
    const after = inferenceObjects({}, { ...repoCatalog(), onnxModels: [changed] } as Catalog);
    const newName = findAll(after, 'ConfigMap')[0].metadata.name;
    expect(newName).not.toBe(cm.metadata.name);
    expect(volumes(after).find((v: K8sObject) => v.name === 'model-bearing-anomaly').projected.sources[0].configMap.name).toBe(newName);
    // model.onnx itself is unchanged, so is its digest annotation.
    const ann = (objs: K8sObject[]) => findResource(objs, 'Rollout', 'inference-server').spec.template.metadata.annotations;
    expect(ann(after)).toEqual(ann(objects));
  });

  it('the name depends on the content only: same files, same name (no clock, no randomness)', () => {
    expect(inferenceObjects({})).toEqual(objects);
  });
});

describe('Services and ServiceMonitor', () => {
  const objects = inferenceObjects({});
  const pods = findResource(objects, 'Rollout', 'inference-server').spec.template.metadata.labels;

  it('the client Service exposes the named port http and targets it by name', () => {
    const svc = findResource(objects, 'Service', 'inference-server', 'inference');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    expect(selects(svc.spec.selector, pods)).toBe(true);
  });

  it('the ServiceMonitor selects exactly one Service, whose port it scrapes exists and reaches every inference pod', () => {
    const sm = findResource(objects, 'ServiceMonitor', 'inference-server', 'inference');
    const matched = findAll(objects, 'Service').filter((s) => s.metadata.namespace === sm.metadata.namespace && selects(sm.spec.selector.matchLabels, s.metadata.labels));
    expect(matched.map((s) => s.metadata.name)).toEqual(['inference-server-metrics']);
    const [svc] = matched;
    expect(sm.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
    expect(svc.spec.ports.map((p: { name: string }) => p.name)).toContain(sm.spec.endpoints[0].port);
    // Headless and selecting by the pod labels only: old and new ReplicaSets alike, each pod once.
    expect(svc.spec.clusterIP).toBe('None');
    expect(selects(svc.spec.selector, pods)).toBe(true);
  });

  it('in blueGreen the ServiceMonitor still selects only the metrics Service (active + preview would double-count)', () => {
    const bg = inferenceObjects({ inference: 'strategy: blueGreen' });
    const sm = findResource(bg, 'ServiceMonitor', 'inference-server');
    const matched = findAll(bg, 'Service').filter((s) => selects(sm.spec.selector.matchLabels, s.metadata.labels));
    expect(matched.map((s) => s.metadata.name)).toEqual(['inference-server-metrics']);
  });

  it('the ServiceMonitor carries the labels the site Prometheus selects by', () => {
    const sm = findResource(objects, 'ServiceMonitor', 'inference-server');
    expect(sm.metadata.labels).toEqual(expect.objectContaining(PROMETHEUS_SELECTOR_LABELS));
  });
});

describe('HorizontalPodAutoscaler and PodDisruptionBudget', () => {
  it('the HPA scales the Rollout between replicas and maxReplicas on CPU', () => {
    const hpa = findResource(inferenceObjects({ inference: 'replicas: 2\nmaxReplicas: 5\ntargetCpuUtilizationPercent: 60' }), 'HorizontalPodAutoscaler', 'inference-server', 'inference');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'inference-server' });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(5);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
  });

  it('several replicas: the PDB keeps one serving during drains', () => {
    const pdb = findResource(inferenceObjects({ inference: 'replicas: 2' }), 'PodDisruptionBudget', 'inference-server');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.maxUnavailable).toBeUndefined();
  });

  it('one replica on several nodes: the PDB lets the pod move (minAvailable 1 would block every drain)', () => {
    const objects = inferenceObjects({ nodes: 'pis', inference: 'replicas: 1\nmaxReplicas: 2' });
    const pdb = findResource(objects, 'PodDisruptionBudget', 'inference-server');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeUndefined();
    expect(selects(pdb.spec.selector.matchLabels, findResource(objects, 'Rollout', 'inference-server').spec.template.metadata.labels)).toBe(true);
  });

  it.each(['replicas: 1\nmaxReplicas: 2', 'replicas: 2\nmaxReplicas: 3'])(
    'one node (%s): the PDB lets a drain evict every replica (they cannot reschedule on the cordoned node)',
    (inference) => {
      const pdb = findResource(inferenceObjects({ nodes: 'one-pi', inference }), 'PodDisruptionBudget', 'inference-server');
      expect(pdb.spec.maxUnavailable).toBe('100%');
      expect(pdb.spec.minAvailable).toBeUndefined();
    },
  );
});

describe('NetworkPolicy', () => {
  const policy = (objects: K8sObject[]) => findResource(objects, 'NetworkPolicy', 'inference-server', 'inference');
  const prometheusPeer = {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    podSelector: { matchLabels: PROMETHEUS_POD_LABELS },
  };

  it('admits the declared clients on the API port and Prometheus on the metrics port, nothing else', () => {
    const p = policy(
      inferenceObjects({
        inference: `clients:
  - { namespace: line-control, podLabels: { app.kubernetes.io/name: plc-gateway } }
  - { namespace: historian }`,
      }),
    );
    expect(p.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'inference-server' } });
    expect(p.spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'line-control' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'plc-gateway' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'historian' } }, podSelector: {} },
        ],
        ports: [{ protocol: 'TCP', port: 'http' }],
      },
      { from: [prometheusPeer], ports: [{ protocol: 'TCP', port: 'http' }] },
    ]);
  });

  it('without clients renders no rule without `from` (that would admit everyone)', () => {
    const p = policy(inferenceObjects({}));
    for (const rule of p.spec.ingress) expect(rule.from?.length).toBeGreaterThan(0);
  });

  it('lets the pods export traces to the collector (4317/4318) only when the site has monitoring', () => {
    expect(policy(inferenceObjects({})).spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: OTEL_COLLECTOR_POD_LABELS } }],
        ports: [
          { protocol: 'TCP', port: 4317 },
          { protocol: 'TCP', port: 4318 },
        ],
      },
    ]);
    const off = policy(inferenceObjects({ monitoring: 'enabled: false' }));
    expect(off.spec.egress).toBeUndefined();
    expect(off.spec.policyTypes).toEqual(['Ingress']);
    expect(off.spec.ingress).toEqual([]);
  });

  it('lets the Argo Rollouts controller query Prometheus and be scraped by it', () => {
    const objects = inferenceObjects({});
    const queries = findResource(objects, 'NetworkPolicy', 'allow-prometheus-queries', 'argo-rollouts');
    expect(queries.spec.egress).toEqual([{ to: [prometheusPeer], ports: [{ protocol: 'TCP', port: 9090 }] }]);
    const scrape = findResource(objects, 'NetworkPolicy', 'allow-prometheus-scrape', 'argo-rollouts');
    expect(scrape.spec.ingress).toEqual([{ from: [prometheusPeer], ports: [{ protocol: 'TCP', port: 8090 }] }]);
  });
});

describe('Argo Rollouts controller (HelmRelease) and namespaces', () => {
  const inference = (monitoring: boolean) => resolvedLayers(testSite({ monitoring: `enabled: ${monitoring}` })).get('inference')!;

  it('installs the pinned chart with CRDs before the Rollout, restricted and small', () => {
    const [release] = inference(true).releases({ layers: [] });
    expect(release.chart).toBe(HELM_CHARTS.argoRollouts);
    expect(release.namespace).toBe('argo-rollouts');
    expect(release.syncWave).toBe(-5);
    expect(release.serverSideApply).toBe(true);
    const v = release.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(v.installCRDs).toBe(true);
    expect(v.dashboard).toEqual({ enabled: false });
    expect(v.controller.replicas).toBe(1);
    expect(v.controller.resources.requests).toEqual({ cpu: `${ARGO_ROLLOUTS_RESOURCES.cpuMillicores}m`, memory: `${ARGO_ROLLOUTS_RESOURCES.memoryMiB}Mi` });
    expect(v.controller.resources.limits.memory).toBe(v.controller.resources.requests.memory);
    expect(v.containerSecurityContext).toEqual(
      expect.objectContaining({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true }),
    );
    expect(v.podSecurityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(v.controller.metrics.serviceMonitor.additionalLabels).toEqual(PROMETHEUS_SELECTOR_LABELS);
    expect(release.requests).toEqual([expect.objectContaining({ cpuMillicores: ARGO_ROLLOUTS_RESOURCES.cpuMillicores, memoryMiB: ARGO_ROLLOUTS_RESOURCES.memoryMiB })]);
  });

  it('turns the controller metrics off when the site has no Prometheus', () => {
    const [release] = inference(false).releases({ layers: [] });
    const v = release.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(v.controller.metrics.enabled).toBe(false);
    expect(v.controller.metrics.serviceMonitor.enabled).toBe(false);
  });

  it('declares both namespaces restricted; only the controller talks to the API server', () => {
    expect(inference(true).namespaces).toEqual([
      { name: 'inference', layer: 'inference', podSecurity: 'restricted' },
      { name: 'argo-rollouts', layer: 'inference', podSecurity: 'restricted', apiServerEgress: true },
    ]);
  });
});

describe('closed-world schema validation of every variant (Kubernetes 1.28/1.33 + vendored CRDs)', () => {
  it.each([
    ['canary', {}],
    ['blueGreen', { inference: 'strategy: blueGreen\nautoPromote: false' }],
    ['no monitoring', { monitoring: 'enabled: false' }],
    ['clients', { inference: 'clients: [{ namespace: line-control, podLabels: { app: plc } }]' }],
    ['one replica', { nodes: 'one-pi' as const, inference: 'replicas: 1\nmaxReplicas: 1' }],
    ['triton', { nodes: 'nuc-and-pi' as const, inference: 'runtime: triton\nresources: { cpuMillicores: 1000, memoryMiB: 2048 }' }],
  ])('%s', (_name, opts) => {
    const issues = validateManifests(inferenceObjects(opts), 'inference.k8s.yaml');
    expect(issues.map((i) => JSON.stringify(i))).toEqual([]);
  });
});
