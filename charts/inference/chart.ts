/**
 * Inference layer: ONNX models served at the edge behind an Argo Rollouts progressive rollout.
 *
 * Renders into namespace `inference` (and two NetworkPolicies into `argo-rollouts`):
 * - one immutable ConfigMap `model-<name>-<content hash>` per model version with model.onnx, model.json and
 *   the eval set (ADR 0006); the versions of one model are projected into one read-only volume at
 *   /models/<name>/<version>/ (the server's repository layout; ADR 0022): new weights, a new eval set or a
 *   new threshold change the name, hence the pod template, and roll out through the same gate as a new image;
 * - the server as a Rollout `inference-server` (canary or blueGreen from the inventory) gated by the
 *   AnalysisTemplate `inference-slo` on the site Prometheus;
 * - Services (`inference-server` for clients, `inference-server-preview` in blueGreen, `-stable`/`-canary` for
 *   the canary's SMI traffic routing at mesh sites (ADR 0029), headless
 *   `inference-server-metrics` for Prometheus), HPA, PDB, ServiceMonitor and a NetworkPolicy that admits only
 *   the declared clients and Prometheus.
 * The Argo Rollouts controller itself is a HelmRelease (charts/inference/argo-rollouts.ts).
 *
 * Everything is a pure function of InferenceLayerProps (charts/inference/props.ts), resolved from the inventory
 * and the model catalogue before the chart is built.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { ServiceMonitor } from '../../imports/monitoring-monitoring.coreos.com';
import {
  AnalysisTemplate,
  AnalysisTemplateSpecMetricsCount,
  AnalysisTemplateSpecMetricsFailureLimit,
  Rollout,
  RolloutSpecStrategy,
  RolloutSpecStrategyCanaryStepsPauseDuration,
} from '../../imports/rollouts-argoproj.io';
import { AB_ANALYSIS_TEMPLATE_NAME, AB_ARGS, abComparisonAnalysis, ANALYSIS_TEMPLATE_NAME, ANALYSIS_TIMING, POD_TEMPLATE_HASH_ARG, POD_TEMPLATE_HASH_LABEL } from './analysis';
import { compareVersions } from '@edge-ai/inference-contract';
import { ARGO_ROLLOUTS_METRICS_PORT } from './argo-rollouts';
import { InferenceModel } from '../../lib/model/inference-models';
import { ARGO_ROLLOUTS_NAMESPACE, CANARY_SERVICE_NAME, INFERENCE_NAMESPACE, METRICS_SERVICE_NAME, PREVIEW_SERVICE_NAME, STABLE_SERVICE_NAME, TRAFFIC_SPLIT_NAME, WORKLOAD_NAME } from './names';
import { rolloutPodSpec } from './rollout-pod';
import { modelConfigMapName, ModelFiles, modelVolumeName, RuntimeDescriptor, runtimeDescriptor, RUNTIME_UID, TMP_VOLUME } from './runtime';
import { InferenceLayerProps, InferenceRuntime, RolloutStrategy } from './props';
import { ClientSpec } from '../../lib/model/schema';
import { chartLabels, selectorLabels } from '../../lib/constructs/labels';
import {
  MONITORING_NAMESPACE,
  OTEL_COLLECTOR_POD_LABELS,
  OTLP_GRPC_PORT,
  OTLP_HTTP_PORT,
  PROMETHEUS_POD_LABELS,
  PROMETHEUS_PORT,
  PROMETHEUS_SELECTOR_LABELS,
  PROMETHEUS_URL,
} from '../../lib/constructs/telemetry';
import { hardenedPodSpec } from '../../lib/constructs/workload';
import { LINKERD_PROXY_INBOUND_PORT, meshPodAnnotations } from '../../lib/constructs/mesh';

/** Pod template annotation holding a model's versions and model.onnx digests, e.g. `1.0.0@sha256:…,1.1.0@sha256:…`. */
export const MODEL_ANNOTATION_PREFIX = 'models.edge-ai.io/';
/**
 * On every model ConfigMap: Argo CD deletes the previous version only in the final, implicit wave of a sync,
 * after the Rollout is healthy (argo-cd PR #5199). While a canary runs, or after it was aborted (the Rollout
 * is Degraded and the sync never reaches that wave), the old pods' ConfigMap still exists.
 */
export const PRUNE_LAST = { 'argocd.argoproj.io/sync-options': 'PruneLast=true' } as const;

/**
 * canary without monitoring: no Prometheus to ask, so the new pods must stay ready this long at the canary
 * weight before the rest follow (readiness includes the server's accuracy gate).
 */
export const CANARY_BAKE_WITHOUT_ANALYSIS = '5m';
/** A rollout that makes no progress for this long is aborted and rolled back without a human. */
const PROGRESS_DEADLINE_SECONDS = 600;

export type InferenceChartProps = InferenceLayerProps;

function podSelector(): Record<string, string> {
  return selectorLabels(WORKLOAD_NAME);
}

/** One model as delivered: its files and the name of the ConfigMap holding them. */
interface ModelBundle {
  readonly model: InferenceModel;
  readonly files: ModelFiles;
  readonly configMapName: string;
}

/** One Prometheus metric of an AnalysisTemplate, on the shared analysis timing. */
function analysisMetric(m: { readonly name: string; readonly query: string; readonly successCondition: string }) {
  return {
    name: m.name,
    initialDelay: ANALYSIS_TIMING.initialDelay,
    interval: ANALYSIS_TIMING.interval,
    count: AnalysisTemplateSpecMetricsCount.fromNumber(ANALYSIS_TIMING.count),
    failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(ANALYSIS_TIMING.failureLimit),
    successCondition: m.successCondition,
    provider: { prometheus: { address: PROMETHEUS_URL, query: m.query, timeout: 10 } },
  };
}

export class InferenceChart extends Chart {
  constructor(scope: Construct, id: string, props: InferenceChartProps) {
    super(scope, id, { labels: chartLabels(props.site, 'inference'), disableResourceNameHashes: true });
    const rt = runtimeDescriptor(props);
    const bundles: ModelBundle[] = props.models.map((model) => {
      const files = rt.modelFiles(model);
      return { model, files, configMapName: modelConfigMapName(model, files) };
    });
    for (const b of bundles) this.modelConfigMap(b);
    this.rollout(props, rt, bundles);
    this.services(props, rt);
    this.autoscaling(props);
    this.networkPolicies(props, rt);
    if (props.monitoring) {
      this.serviceMonitor(rt);
      this.analysisTemplate(rt);
      this.abAnalysisTemplate(props);
    }
  }

  private modelConfigMap({ model, files, configMapName }: ModelBundle): void {
    new k8s.KubeConfigMap(this, `configmap-${model.name}-${model.version}`, {
      metadata: {
        name: configMapName,
        namespace: INFERENCE_NAMESPACE,
        // The name label stays stable across versions (selectors, dashboards); the object name does not.
        labels: { ...selectorLabels(modelVolumeName(model)), 'edge-ai.io/model': model.name, 'edge-ai.io/model-version': model.version },
        annotations: { [`${MODEL_ANNOTATION_PREFIX}${model.name}`]: `${model.version}@sha256:${model.sha256}`, ...PRUNE_LAST },
      },
      // Content and name change together, so the object is never updated; immutable also spares the kubelet
      // from watching it on every node.
      immutable: true,
      data: { ...files.text },
      binaryData: { ...files.binary },
    });
  }

  private rollout(props: InferenceChartProps, rt: RuntimeDescriptor, bundles: readonly ModelBundle[]): void {
    const selector = podSelector();
    // For people and tools reading a pod: which model version, which exact bytes.
    const byModel = new Map<string, ModelBundle[]>();
    for (const b of bundles) byModel.set(b.model.name, [...(byModel.get(b.model.name) ?? []), b]);
    const annotations = Object.fromEntries(
      [...byModel].map(([name, versions]) => [`${MODEL_ANNOTATION_PREFIX}${name}`, versions.map(({ model: m }) => `${m.version}@sha256:${m.sha256}`).join(',')]),
    );

    const podSpec = hardenedPodSpec({
      containers: [rt.container],
      runAsUser: RUNTIME_UID,
      architectures: props.architectures,
      selector,
      // preStop sleep (5 s), then the server drains in-flight requests for up to SHUTDOWN_TIMEOUT_SECONDS (25 s).
      terminationGracePeriodSeconds: 35,
      volumes: [
        { name: TMP_VOLUME, emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
        // One volume per model: each version's ConfigMap projected into its own sub-folder (rt.modelItems).
        ...[...byModel].map(([, versions]) => ({
          name: modelVolumeName(versions[0].model),
          projected: {
            defaultMode: 0o444,
            sources: versions.map(({ model: m, files, configMapName }) => ({ configMap: { name: configMapName, items: [...rt.modelItems(m, files)] } })),
          },
        })),
      ],
    });

    new Rollout(this, 'rollout', {
      metadata: { name: WORKLOAD_NAME, namespace: INFERENCE_NAMESPACE, labels: selectorLabels(WORKLOAD_NAME) },
      spec: {
        // No `replicas`: the HPA owns the count (minReplicas = inventory replicas). A replicas field here would
        // make Argo CD reset every HPA decision at the next sync.
        selector: { matchLabels: selector },
        revisionHistoryLimit: 3,
        progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
        // Unattended sites: a new version that never gets ready (e.g. below its accuracy gate) is rolled back.
        progressDeadlineAbort: true,
        template: {
          metadata: { labels: { ...selector, 'app.kubernetes.io/component': 'inference' }, annotations: { ...annotations, ...meshPodAnnotations(props.mesh === true) } },
          spec: rolloutPodSpec(podSpec),
        },
        strategy: this.strategy(props),
      },
    });
  }

  private strategy(props: InferenceChartProps): RolloutSpecStrategy {
    const analysis = {
      templates: [{ templateName: ANALYSIS_TEMPLATE_NAME }],
      // The new ReplicaSet's hash: the queries select its pods only.
      args: [{ name: POD_TEMPLATE_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } }],
    };
    if (props.strategy === RolloutStrategy.BLUE_GREEN) {
      return {
        blueGreen: {
          activeService: WORKLOAD_NAME,
          previewService: PREVIEW_SERVICE_NAME,
          // One preview pod is enough to analyse; the rest are created at promotion (a full second set would
          // need twice the memory on a two-Raspberry-Pi site).
          previewReplicaCount: 1,
          autoPromotionEnabled: props.autoPromote,
          prePromotionAnalysis: props.monitoring ? analysis : undefined,
        },
      };
    }
    const weight = props.canaryWeightPercent;
    return {
      canary: {
        // Without the mesh: no canaryService/stableService and no trafficRouting; one Service selects old and
        // new pods alike, so the weight is the share of pods (replica counts), not an exact share of requests.
        // Through the mesh (ADR 0029): Argo Rollouts narrows the stable and canary Services to their ReplicaSets
        // and writes the TrafficSplit of the root Service (the clients' `inference-server`) with the step's
        // weight; linkerd-smi turns it into Linkerd routing, so meshed clients send exactly that share.
        ...(props.meshTrafficSplit === true
          ? {
              stableService: STABLE_SERVICE_NAME,
              canaryService: CANARY_SERVICE_NAME,
              trafficRouting: { smi: { rootService: WORKLOAD_NAME, trafficSplitName: TRAFFIC_SPLIT_NAME } },
            }
          : {}),
        steps: [
          { setWeight: weight },
          props.monitoring ? { analysis } : { pause: { duration: RolloutSpecStrategyCanaryStepsPauseDuration.fromString(CANARY_BAKE_WITHOUT_ANALYSIS) } },
          { setWeight: 100 },
        ],
      },
    };
  }

  private services(props: InferenceChartProps, rt: RuntimeDescriptor): void {
    const ports = (names: readonly string[]): k8s.ServicePort[] =>
      names.map((name) => {
        const p = (rt.container.ports ?? []).find((c) => c.name === name);
        if (!p) throw new Error(`inference runtime: service port "${name}" is not a container port`);
        return { name, port: p.containerPort, targetPort: k8s.IntOrString.fromString(name), protocol: 'TCP' };
      });
    const service = (id: string, name: string, portNames: readonly string[], headless = false): void => {
      new k8s.KubeService(this, id, {
        metadata: { name, namespace: INFERENCE_NAMESPACE, labels: selectorLabels(name) },
        spec: { selector: podSelector(), ports: ports(portNames), ...(headless ? { clusterIp: 'None' } : { type: 'ClusterIP' }) },
      });
    };
    service('service', WORKLOAD_NAME, rt.apiPorts);
    if (props.strategy === RolloutStrategy.BLUE_GREEN) service('service-preview', PREVIEW_SERVICE_NAME, rt.apiPorts);
    if (props.strategy === RolloutStrategy.CANARY && props.meshTrafficSplit === true) {
      service('service-stable', STABLE_SERVICE_NAME, rt.apiPorts);
      service('service-canary', CANARY_SERVICE_NAME, rt.apiPorts);
    }
    service('service-metrics', METRICS_SERVICE_NAME, [rt.metricsPort], true);
  }

  private autoscaling(props: InferenceChartProps): void {
    new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name: WORKLOAD_NAME, namespace: INFERENCE_NAMESPACE, labels: selectorLabels(WORKLOAD_NAME) },
      spec: {
        scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: WORKLOAD_NAME },
        minReplicas: props.replicas,
        maxReplicas: props.maxReplicas,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: props.targetCpuUtilizationPercent } } },
        ],
      },
    });
    // Several replicas on several nodes: keep at least one serving while a node drains. One replica: minAvailable 1
    // would block every drain forever, so allow the single pod to move and accept the short gap. One node: its
    // drain must evict every replica (the evicted ones cannot reschedule on the cordoned node), so allow all.
    const budget =
      props.eligibleNodes < 2
        ? { maxUnavailable: k8s.IntOrString.fromString('100%') }
        : props.replicas > 1
          ? { minAvailable: k8s.IntOrString.fromNumber(1) }
          : { maxUnavailable: k8s.IntOrString.fromNumber(1) };
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name: WORKLOAD_NAME, namespace: INFERENCE_NAMESPACE, labels: selectorLabels(WORKLOAD_NAME) },
      spec: {
        selector: { matchLabels: podSelector() },
        ...budget,
        // A crash-looping pod must not hold a drain hostage (policy/v1, beta and on by default since 1.27).
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }

  private networkPolicies(props: InferenceChartProps, rt: RuntimeDescriptor): void {
    const named = (name: string): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromString(name) });
    const prometheus: k8s.NetworkPolicyPeer = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } },
      podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
    };
    const ingress: k8s.NetworkPolicyIngressRule[] = [];
    // An ingress rule without `from` admits everyone: only render the client rule when there are clients.
    // With the mesh, meshed clients' proxies may also connect to the server's proxy directly (opaque traffic).
    const meshPorts = props.mesh ? [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(LINKERD_PROXY_INBOUND_PORT) }] : [];
    if (props.clients.length > 0) ingress.push({ from: props.clients.map(clientPeer), ports: [...rt.apiPorts.map(named), ...meshPorts] });
    if (props.monitoring) ingress.push({ from: [prometheus], ports: [named(rt.metricsPort)] });
    const egress: k8s.NetworkPolicyEgressRule[] = rt.tracing
      ? [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } },
                podSelector: { matchLabels: { ...OTEL_COLLECTOR_POD_LABELS } },
              },
            ],
            ports: [OTLP_GRPC_PORT, OTLP_HTTP_PORT].map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
          },
        ]
      : [];
    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name: WORKLOAD_NAME, namespace: INFERENCE_NAMESPACE, labels: selectorLabels(WORKLOAD_NAME) },
      spec: {
        podSelector: { matchLabels: podSelector() },
        policyTypes: egress.length ? ['Ingress', 'Egress'] : ['Ingress'],
        ingress,
        egress: egress.length ? egress : undefined,
      },
    });

    if (!props.monitoring) return;
    // The Argo Rollouts controller queries the site Prometheus during the analysis, and Prometheus scrapes the
    // controller's metrics; the baseline default-deny blocks both otherwise. (Prometheus' own namespace must
    // admit the controller too: that allowance belongs to the monitoring layer.)
    new k8s.KubeNetworkPolicy(this, 'argo-rollouts-analysis', {
      metadata: { name: 'allow-prometheus-queries', namespace: ARGO_ROLLOUTS_NAMESPACE, labels: selectorLabels('allow-prometheus-queries') },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [prometheus], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(PROMETHEUS_PORT) }] }],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'argo-rollouts-metrics', {
      metadata: { name: 'allow-prometheus-scrape', namespace: ARGO_ROLLOUTS_NAMESPACE, labels: selectorLabels('allow-prometheus-scrape') },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [prometheus], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(ARGO_ROLLOUTS_METRICS_PORT) }] }],
      },
    });
  }

  private serviceMonitor(rt: RuntimeDescriptor): void {
    new ServiceMonitor(this, 'service-monitor', {
      metadata: { name: WORKLOAD_NAME, namespace: INFERENCE_NAMESPACE, labels: { ...selectorLabels(WORKLOAD_NAME), ...PROMETHEUS_SELECTOR_LABELS } },
      spec: {
        selector: { matchLabels: selectorLabels(METRICS_SERVICE_NAME) },
        endpoints: [{ port: rt.metricsPort, path: rt.metricsPath, interval: '30s' }],
        // Lets the analysis tell the new ReplicaSet's series from the old one's.
        podTargetLabels: [POD_TEMPLATE_HASH_LABEL],
      },
    });
  }

  /**
   * A/B comparison of two versions served side by side (ADR 0022), only on a site that runs a split. Its
   * arguments default to the site's pair, so `kubectl argo rollouts`-created AnalysisRuns or an Experiment
   * need no values; the result is applied by changing the split in Git (promote: candidate 100, abort: 0).
   */
  private abAnalysisTemplate(props: InferenceChartProps): void {
    const pair = abPair(props.traffic);
    if (!pair || props.runtime !== InferenceRuntime.ONNX) return;
    new AnalysisTemplate(this, 'ab-analysis-template', {
      metadata: { name: AB_ANALYSIS_TEMPLATE_NAME, namespace: INFERENCE_NAMESPACE, labels: selectorLabels(AB_ANALYSIS_TEMPLATE_NAME) },
      spec: {
        args: [
          { name: AB_ARGS.model, value: pair.model },
          { name: AB_ARGS.baseline, value: pair.baseline },
          { name: AB_ARGS.candidate, value: pair.candidate },
        ],
        metrics: abComparisonAnalysis(INFERENCE_NAMESPACE).map(analysisMetric),
      },
    });
  }

  private analysisTemplate(rt: RuntimeDescriptor): void {
    new AnalysisTemplate(this, 'analysis-template', {
      metadata: { name: ANALYSIS_TEMPLATE_NAME, namespace: INFERENCE_NAMESPACE, labels: selectorLabels(ANALYSIS_TEMPLATE_NAME) },
      spec: {
        args: [{ name: POD_TEMPLATE_HASH_ARG }],
        metrics: rt.analysis.map(analysisMetric),
      },
    });
  }
}

/**
 * The first model whose split has two versions with traffic: baseline = the larger weight (the higher
 * version on a tie is the candidate). Undefined when no model is under an A/B test.
 */
export function abPair(traffic: InferenceChartProps['traffic']): { model: string; baseline: string; candidate: string } | undefined {
  for (const model of Object.keys(traffic).sort()) {
    const live = Object.entries(traffic[model])
      .filter(([, w]) => w > 0)
      .sort(([va, wa], [vb, wb]) => wb - wa || compareVersions(va, vb));
    if (live.length >= 2) return { model, baseline: live[0][0], candidate: live[1][0] };
  }
  return undefined;
}

function clientPeer(c: ClientSpec): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': c.namespace } },
    // No podLabels: every pod of that namespace.
    podSelector: c.podLabels ? { matchLabels: { ...c.podLabels } } : {},
  };
}
