/**
 * The Rollout per inventory: strategy, analysis wiring, pod template (hardening, architecture, models).
 */
import { CANARY_BAKE_WITHOUT_ANALYSIS, MODEL_ANNOTATION_PREFIX } from '../../charts/inference/chart';
import { ANALYSIS_TEMPLATE_NAME, POD_TEMPLATE_HASH_ARG } from '../../charts/inference/analysis';
import { OTEL_COLLECTOR_ENDPOINT } from '../../lib/constructs/telemetry';
import { findResource, repoCatalog } from '../helpers';
import { parseTrafficSplit } from '../../server/src/routing';
import { inferenceObjects } from './sites';

const rolloutOf = (opts: Parameters<typeof inferenceObjects>[0]) => findResource(inferenceObjects(opts), 'Rollout', 'inference-server', 'inference');

describe('Rollout strategy from the inventory', () => {
  it('canary (default): weight, analysis of the new ReplicaSet, then full promotion', () => {
    const rollout = rolloutOf({});
    expect(rollout.spec.strategy.blueGreen).toBeUndefined();
    expect(rollout.spec.strategy.canary.steps).toEqual([
      { setWeight: 50 },
      {
        analysis: {
          templates: [{ templateName: ANALYSIS_TEMPLATE_NAME }],
          args: [{ name: POD_TEMPLATE_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } }],
        },
      },
      { setWeight: 100 },
    ]);
    // Without a traffic router the weight is a replica share: nothing may narrow the Service to one side.
    expect(rollout.spec.strategy.canary.trafficRouting).toBeUndefined();
    expect(rollout.spec.strategy.canary.canaryService).toBeUndefined();
    expect(rollout.spec.strategy.canary.stableService).toBeUndefined();
  });

  it('canary weight comes from canaryWeightPercent', () => {
    const rollout = rolloutOf({ inference: 'canaryWeightPercent: 25' });
    expect(rollout.spec.strategy.canary.steps[0]).toEqual({ setWeight: 25 });
  });

  it('canary without monitoring bakes for a fixed time instead of querying a Prometheus that does not exist', () => {
    const rollout = rolloutOf({ monitoring: 'enabled: false' });
    expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 50 }, { pause: { duration: CANARY_BAKE_WITHOUT_ANALYSIS } }, { setWeight: 100 }]);
  });

  it('blueGreen: active + preview Services, pre-promotion analysis, one preview pod, automatic promotion', () => {
    const objects = inferenceObjects({ inference: 'strategy: blueGreen' });
    const rollout = findResource(objects, 'Rollout', 'inference-server');
    expect(rollout.spec.strategy.canary).toBeUndefined();
    const bg = rollout.spec.strategy.blueGreen;
    expect(bg).toEqual({
      activeService: 'inference-server',
      previewService: 'inference-server-preview',
      previewReplicaCount: 1,
      autoPromotionEnabled: true,
      prePromotionAnalysis: {
        templates: [{ templateName: ANALYSIS_TEMPLATE_NAME }],
        args: [{ name: POD_TEMPLATE_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } }],
      },
    });
    for (const name of [bg.activeService, bg.previewService]) {
      expect(findResource(objects, 'Service', name, 'inference').spec.selector).toEqual(rollout.spec.selector.matchLabels);
    }
  });

  it('blueGreen with autoPromote: false waits for a manual promote', () => {
    const rollout = rolloutOf({ inference: 'strategy: blueGreen\nautoPromote: false' });
    expect(rollout.spec.strategy.blueGreen.autoPromotionEnabled).toBe(false);
  });

  it('canary renders no preview Service', () => {
    expect(inferenceObjects({}).filter((o) => o.metadata.name === 'inference-server-preview')).toEqual([]);
  });

  it('aborts a rollout that never gets ready and leaves the replica count to the HPA', () => {
    const rollout = rolloutOf({});
    expect(rollout.spec.progressDeadlineAbort).toBe(true);
    expect(rollout.spec.progressDeadlineSeconds).toBeGreaterThan(0);
    expect(rollout.spec.replicas).toBeUndefined();
  });
});

describe('Rollout pod template', () => {
  it('selects its own pods and carries the model version and digest', () => {
    const rollout = rolloutOf({});
    const model = repoCatalog().onnxModels.filter((m) => m.name === 'bearing-anomaly').at(-1)!;
    expect(rollout.spec.template.metadata.labels).toEqual(expect.objectContaining(rollout.spec.selector.matchLabels));
    expect(rollout.spec.template.metadata.annotations[`${MODEL_ANNOTATION_PREFIX}bearing-anomaly`]).toBe(`${model.version}@sha256:${model.sha256}`);
  });

  it('A/B split: both versions delivered in one volume at /models/<name>/<version>/, the split passed as MODEL_TRAFFIC_SPLIT', () => {
    const objects = inferenceObjects({ inference: 'traffic: { bearing-anomaly: { "1.1.0": 10, "1.0.0": 90 } }' });
    const rollout = findResource(objects, 'Rollout', 'inference-server', 'inference');
    const versions = repoCatalog().onnxModels.filter((m) => m.name === 'bearing-anomaly');
    const configMaps = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.['edge-ai.io/model'] === 'bearing-anomaly');
    expect(configMaps.map((c) => c.metadata.labels?.['edge-ai.io/model-version'])).toEqual(['1.0.0', '1.1.0']);
    const volume = rollout.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'model-bearing-anomaly');
    expect(volume.projected.sources.map((s: { configMap: { name: string; items: { path: string }[] } }) => [s.configMap.name, s.configMap.items.map((i) => i.path)])).toEqual(
      configMaps.map((c) => [c.metadata.name, ['eval.json', 'model.json', 'model.onnx'].map((f) => `${c.metadata.labels?.['edge-ai.io/model-version']}/${f}`)]),
    );
    const [c] = rollout.spec.template.spec.containers;
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'model-bearing-anomaly', mountPath: '/models/bearing-anomaly', readOnly: true }]));
    // Keys sorted: the rendered value does not depend on the order written in the inventory.
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'MODEL_TRAFFIC_SPLIT', value: '{"bearing-anomaly":{"1.0.0":90,"1.1.0":10}}' }]));
    expect(JSON.parse(c.env.find((e: { name: string }) => e.name === 'MODEL_TRAFFIC_SPLIT').value)).toEqual(parseTrafficSplit('{"bearing-anomaly":{"1.0.0":90,"1.1.0":10}}'));
    expect(rollout.spec.template.metadata.annotations[`${MODEL_ANNOTATION_PREFIX}bearing-anomaly`]).toBe(versions.map((m) => `${m.version}@sha256:${m.sha256}`).join(','));
  });

  it('is hardened: non-root uid 1000, read-only root, /tmp as emptyDir, models read-only', () => {
    const spec = rolloutOf({}).spec.template.spec;
    const [c] = spec.containers;
    expect(spec.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } }));
    expect(c.securityContext).toEqual(expect.objectContaining({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }));
    expect(spec.automountServiceAccountToken).toBe(false);
    // The volume name is stable (model-<name>); the ConfigMap behind it changes with the model version.
    expect(c.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'model-bearing-anomaly', mountPath: '/models/bearing-anomaly', readOnly: true },
    ]);
    expect(spec.volumes).toEqual(expect.arrayContaining([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]));
  });

  it('probes the health endpoints on the named port, with a startup probe for the load-time evaluation', () => {
    const [c] = rolloutOf({}).spec.template.spec.containers;
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(60);
  });

  it('takes resources from the inventory (memory limit = request)', () => {
    const [c] = rolloutOf({ inference: 'resources: { cpuMillicores: 300, memoryMiB: 320, cpuLimitMillicores: 900 }' }).spec.template.spec.containers;
    expect(c.resources).toEqual({ requests: { cpu: '300m', memory: '320Mi' }, limits: { cpu: '900m', memory: '320Mi' } });
  });

  it.each([
    ['pis', ['arm64']],
    ['nuc-and-pi', ['amd64', 'arm64']],
  ] as const)('on %s it may run on %j (image architectures ∩ site architectures)', (nodes, archs) => {
    const affinity = rolloutOf({ nodes }).spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(affinity.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: archs }] }]);
  });

  it('points the server at the models and, with monitoring, at the site collector', () => {
    const env = (o: Parameters<typeof rolloutOf>[0]) =>
      Object.fromEntries(rolloutOf(o).spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const withMonitoring = env({});
    expect(withMonitoring).toEqual(expect.objectContaining({ PORT: '8080', MODEL_REPOSITORY: '/models', OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'inference-server' }));
    expect(withMonitoring.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(OTEL_COLLECTOR_ENDPOINT);
    const without = env({ monitoring: 'enabled: false' });
    expect(Object.keys(without).filter((k) => k.startsWith('OTEL_'))).toEqual([]);
  });
});
