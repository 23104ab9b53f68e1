/**
 * rolloutPodSpec: a hardened pod spec survives the trip into the typed Rollout construct unchanged, i.e. the
 * Rollout carries exactly the JSON a Deployment built from the same props would carry.
 */
import { App, Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Rollout } from '../../imports/rollouts-argoproj.io';
import { rolloutPodSpec } from '../../charts/inference/rollout-pod';
import { hardenedPodSpec, PodSpecProps } from '../../lib/constructs/workload';

const PROPS: PodSpecProps = {
  architectures: ['amd64', 'arm64'],
  selector: { 'app.kubernetes.io/name': 'x' },
  runAsUser: 1000,
  initContainers: [{ name: 'init', image: 'registry.example/init:1.0.0', command: ['cp'], resources: { cpuMillicores: 10, memoryMiB: 16 } }],
  containers: [
    {
      name: 'main',
      image: 'registry.example/main:2.0.0',
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'admin', containerPort: 9090 },
      ],
      env: { A: '1' },
      envFrom: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      resources: { cpuMillicores: 250, memoryMiB: 256, cpuLimitMillicores: 1000 },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      startup: { path: '/live', port: 'http', periodSeconds: 2, failureThreshold: 30 },
      liveness: { path: '/live', port: 'http' },
      readiness: { path: '/ready', port: 'admin' },
    },
  ],
  volumes: [
    { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
    { name: 'cm', configMap: { name: 'cm', items: [{ key: 'a', path: 'b/a' }] } },
  ],
};

function renderedTemplateSpec(spec: k8s.PodSpec): unknown {
  const chart = new Chart(new App(), 'c', { disableResourceNameHashes: true });
  new Rollout(chart, 'r', { metadata: { name: 'r' }, spec: { template: { spec: rolloutPodSpec(spec) } } });
  return chart.toJson()[0].spec.template.spec;
}

describe('rolloutPodSpec', () => {
  it('round-trips a hardened pod spec losslessly (quantities as strings, named probe ports, init containers)', () => {
    const spec = hardenedPodSpec(PROPS);
    const expected = JSON.parse(JSON.stringify(k8s.toJson_PodSpec(spec)));
    expect(renderedTemplateSpec(spec)).toEqual(expected);
    // The classic failure mode of mixing the two type families: `{ value: ... }` objects in the output.
    expect(JSON.stringify(renderedTemplateSpec(spec))).not.toMatch(/\{"value":/);
  });

  it('round-trips lifecycle hooks (exec sleep, and httpGet with a named port)', () => {
    const spec = hardenedPodSpec({ ...PROPS, containers: [{ ...PROPS.containers[0], preStopSleepSeconds: 5 }] });
    expect(renderedTemplateSpec(spec)).toEqual(JSON.parse(JSON.stringify(k8s.toJson_PodSpec(spec))));
    const withHttp: k8s.PodSpec = {
      ...spec,
      containers: [{ ...spec.containers[0], lifecycle: { preStop: { httpGet: { path: '/stop', port: k8s.IntOrString.fromString('http') } } } }],
    };
    const rendered = renderedTemplateSpec(withHttp) as { containers: { lifecycle: unknown }[] };
    expect(rendered.containers[0].lifecycle).toEqual({ preStop: { httpGet: { path: '/stop', port: 'http' } } });
  });

  it('refuses fields whose int-or-string values it does not convert, instead of emitting them wrong', () => {
    const spec = hardenedPodSpec(PROPS);
    expect(() => rolloutPodSpec({ ...spec, overhead: { cpu: k8s.Quantity.fromString('10m') } })).toThrow('the pod sets overhead');
  });
});
