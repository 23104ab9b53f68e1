/**
 * The inference layer: ONNX models behind an Argo Rollouts progressive rollout (chart.ts), resolved from the
 * inventory and the model catalogue (props.ts), with its rules, dashboard and exporters (rules.ts,
 * dashboard.ts) and the Argo Rollouts controller as a Helm release (argo-rollouts.ts).
 */
import { defineLayer } from '../../lib/constructs/layer';
import { Exporter } from '../../lib/constructs/metrics';
import { MESH_LAYER, meshTrafficSplit, proxyConsumer } from '../../lib/constructs/mesh';
import { argoRolloutsRelease } from './argo-rollouts';
import { InferenceChart } from './chart';
import { inferenceDashboard } from './dashboard';
import { ARGO_ROLLOUTS_NAMESPACE, INFERENCE_NAMESPACE, WORKLOAD_NAME } from './names';
import { InferenceRuntime, resolveInferenceProps } from './props';
import { inferenceRules } from './rules';

export const inferenceLayer = defineLayer({
  name: 'inference',
  // Without monitoring there is no Prometheus to gate a rollout on and no CRD for a ServiceMonitor. With the
  // mesh, the pods get a Linkerd proxy (lib/constructs/mesh.ts).
  reads: ['monitoring', MESH_LAYER],
  resolve: (ctx) =>
    ctx.site.layers.inference.enabled
      ? { ...resolveInferenceProps(ctx, ctx.isActive('monitoring')), mesh: ctx.isActive(MESH_LAYER), meshTrafficSplit: ctx.isActive(MESH_LAYER) && meshTrafficSplit(ctx.site) }
      : undefined,
  namespaces: () => [
    { name: INFERENCE_NAMESPACE, layer: 'inference', podSecurity: 'restricted' },
    // The controller watches Rollouts, ReplicaSets and Services through the API server.
    { name: ARGO_ROLLOUTS_NAMESPACE, layer: 'inference', podSecurity: 'restricted', apiServerEgress: true },
  ],
  telemetry: (props) => ({
    rules: [inferenceRules({ runtime: props.runtime, slo: props.slo, models: props.models })],
    dashboards: [inferenceDashboard(props.runtime)],
    exporters: [props.runtime === InferenceRuntime.TRITON ? Exporter.Triton : Exporter.InferenceServer],
    otlpClients: [INFERENCE_NAMESPACE],
    workloadAlerts: true,
  }),
  // The Rollout has no `replicas` (the HPA owns the count), so the manifest counts one pod; the HPA keeps
  // `replicas` running. With the mesh each of them also carries a proxy the injector adds.
  requests: (props) => [
    ...(props.replicas > 1
      ? [
          {
            name: `Rollout/${INFERENCE_NAMESPACE}/${WORKLOAD_NAME} (HPA minReplicas ${props.replicas})`,
            cpuMillicores: (props.replicas - 1) * props.resources.cpuMillicores,
            memoryMiB: (props.replicas - 1) * props.resources.memoryMiB,
            podCpuMillicores: props.resources.cpuMillicores,
            podMemoryMiB: props.resources.memoryMiB,
          },
        ]
      : []),
    ...(props.mesh ? [proxyConsumer(`Rollout/${INFERENCE_NAMESPACE}/${WORKLOAD_NAME}`, props.replicas)] : []),
  ],
  releases: (props) => [argoRolloutsRelease(props.monitoring, props.meshTrafficSplit === true)],
  build: (scope, props) => new InferenceChart(scope, 'inference', props),
});
