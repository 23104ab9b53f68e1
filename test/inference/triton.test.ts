/**
 * The optional Triton runtime: only on amd64 nodes, Triton's ports and repository layout, a config.pbtxt
 * generated from model.json, metrics scraped from Triton's own port.
 */
import { IMAGES, imageName } from '../../lib/model/versions';
import { TRITON_MODEL_VERSION, tritonModelConfig } from '../../charts/inference/triton';
import { findResource, K8sObject, repoCatalog } from '../helpers';
import { inferenceObjects } from './sites';

const TRITON = { nodes: 'nuc-and-pi' as const, inference: 'runtime: triton\nreplicas: 1\nmaxReplicas: 2\nresources: { cpuMillicores: 1000, memoryMiB: 2048 }' };

describe('Triton on a mixed amd64/arm64 site', () => {
  const objects = inferenceObjects(TRITON);
  const rollout = findResource(objects, 'Rollout', 'inference-server', 'inference');
  const spec = rollout.spec.template.spec;
  const [c] = spec.containers;

  it('runs the pinned Triton image, only on amd64 nodes', () => {
    expect(c.image).toBe(imageName(IMAGES.triton));
    expect(c.image).toMatch(/^nvcr\.io\/nvidia\/tritonserver:\d{2}\.\d{2}-py3$/);
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] },
    ]);
  });

  it('listens on 8000 http / 8001 grpc / 8002 metrics and serves /models', () => {
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'grpc', containerPort: 8001, protocol: 'TCP' },
      { name: 'metrics', containerPort: 8002, protocol: 'TCP' },
    ]);
    expect(c.command).toEqual(['tritonserver']);
    expect(c.args).toEqual(expect.arrayContaining(['--model-repository=/models', '--http-port=8000', '--grpc-port=8001', '--metrics-port=8002']));
  });

  it('probes the KServe v2 health endpoints on port 8000', () => {
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(c.startupProbe.httpGet.port).toBe('http');
  });

  it('runs as the image user triton-server (uid 1000), hardened, with /tmp writable', () => {
    expect(spec.securityContext.runAsUser).toBe(1000);
    expect(c.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }));
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'tmp', mountPath: '/tmp' }]));
  });

  it('lays the model out as Triton expects: <model>/config.pbtxt and <model>/1/model.onnx', () => {
    const volume = spec.volumes.find((v: K8sObject) => v.name === 'model-bearing-anomaly');
    expect(volume.projected.sources).toHaveLength(1);
    const { configMap } = volume.projected.sources[0];
    expect(configMap.items).toEqual([
      { key: 'config.pbtxt', path: 'config.pbtxt' },
      { key: 'model.onnx', path: `${TRITON_MODEL_VERSION}/model.onnx` },
    ]);
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'model-bearing-anomaly', mountPath: '/models/bearing-anomaly', readOnly: true }]));
    const cm = findResource(objects, 'ConfigMap', configMap.name);
    expect(cm.data['config.pbtxt']).toBe(tritonModelConfig(repoCatalog().onnxModels.filter((m) => m.name === 'bearing-anomaly').at(-1)!));
  });

  it('exposes http and grpc to clients and scrapes the metrics port', () => {
    const svc = findResource(objects, 'Service', 'inference-server');
    expect(svc.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([
      ['http', 8000],
      ['grpc', 8001],
    ]);
    const sm = findResource(objects, 'ServiceMonitor', 'inference-server');
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    const metricsSvc = findResource(objects, 'Service', 'inference-server-metrics');
    expect(metricsSvc.spec.ports).toEqual([{ name: 'metrics', port: 8002, targetPort: 'metrics', protocol: 'TCP' }]);
  });

  it('admits declared clients on http and grpc, Prometheus on metrics only', () => {
    const objs = inferenceObjects({ ...TRITON, inference: `${TRITON.inference}\nclients: [{ namespace: historian }]` });
    const p = findResource(objs, 'NetworkPolicy', 'inference-server');
    expect(p.spec.ingress.map((r: { ports: { port: string }[] }) => r.ports.map((x) => x.port))).toEqual([['http', 'grpc'], ['metrics']]);
    // No tracing wired for Triton yet: no egress opened.
    expect(p.spec.egress).toBeUndefined();
  });
});

describe('config.pbtxt from model.json', () => {
  const model = repoCatalog().onnxModels.filter((m) => m.name === 'bearing-anomaly').at(-1)!;

  it('declares the ONNX Runtime backend on CPU, batch dimension excluded from dims', () => {
    const text = tritonModelConfig(model);
    expect(text).toContain('name: "bearing-anomaly"');
    expect(text).toContain('backend: "onnxruntime"');
    expect(text).toContain('max_batch_size: 64');
    expect(text).toContain('kind: KIND_CPU');
    // [-1, 8] FP32 input → dims [ 8 ]
    expect(text).toContain('name: "sensor_features"\n    data_type: TYPE_FP32\n    dims: [ 8 ]');
    // [-1, 2] FP32 output → dims [ 2 ]
    expect(text).toContain('name: "probabilities"\n    data_type: TYPE_FP32\n    dims: [ 2 ]');
    // [-1] INT64 output (one label per row) → [1] reshaped to a scalar per row
    expect(text).toContain('name: "label"\n    data_type: TYPE_INT64\n    dims: [ 1 ]\n    reshape: { shape: [ ] }');
    expect(text).toContain(`version_policy: { specific: { versions: [ ${TRITON_MODEL_VERSION} ] } }`);
  });

  it('maps BYTES to TYPE_STRING and every declared tensor appears once', () => {
    const text = tritonModelConfig({
      name: 'text-model',
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1, 1] }],
      outputs: [{ name: 'scores', datatype: 'FP16', shape: [-1, 3, 4] }],
    });
    expect(text).toContain('data_type: TYPE_STRING');
    expect(text).toContain('data_type: TYPE_FP16\n    dims: [ 3, 4 ]');
    expect(text.match(/name: "/g)).toHaveLength(3);
  });

  it('is deterministic and refuses nonsense options', () => {
    expect(tritonModelConfig(model)).toBe(tritonModelConfig(model));
    expect(() => tritonModelConfig(model, { maxBatchSize: 0 })).toThrow('maxBatchSize 0 must be a positive integer');
    expect(() => tritonModelConfig(model, { instanceCount: 1.5 })).toThrow('instanceCount 1.5');
  });
});
