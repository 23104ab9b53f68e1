/**
 * The Argo Rollouts controller the inference layer needs, as a HelmRelease the gitops layer turns into an
 * Argo CD Application (chart argo-rollouts from argo-helm, pinned in lib/model/versions.ts).
 *
 * Values are the chart's own keys (charts/argo-rollouts/values.yaml of argo-helm), set for a small edge
 * cluster:
 * - one controller replica: the chart enables leader election only above one, and an edge site has no
 *   second node worth failing over to for a controller that only acts during a rollout;
 * - restricted Pod Security: the image runs as numeric user 999 (distroless, `USER 999` in its Dockerfile),
 *   the chart's container securityContext already drops ALL capabilities with a read-only root filesystem,
 *   and seccomp RuntimeDefault is added at pod level here;
 * - no dashboard (an extra pod and an unauthenticated UI) and traffic-router RBAC for SMI only, and only where
 *   the canary goes through the mesh (TrafficSplits, ADR 0029): otherwise the controller only needs Rollouts,
 *   ReplicaSets, Services, Pods and AnalysisRuns;
 * - metrics + ServiceMonitor carrying the site Prometheus' selector labels when the site has monitoring.
 * The controller image is published for linux/amd64 and linux/arm64 (argo-rollouts .github/workflows/
 * release.yaml builds `platforms: linux/amd64,linux/arm64`), so it schedules on every edge node.
 */
import { HelmRelease } from '../../lib/constructs/helm';
import { PROMETHEUS_SELECTOR_LABELS } from '../../lib/constructs/telemetry';
import { HELM_CHARTS } from '../../lib/model/versions';
import { ARGO_ROLLOUTS_NAMESPACE } from './names';
import { containerResources } from '../../lib/constructs/sizing';

/** Release name; the chart's fullname (and the controller Deployment) is then `argo-rollouts`. */
const ARGO_ROLLOUTS_RELEASE = 'argo-rollouts';
/** The controller's metrics port (chart value controller.containerPorts.metrics, default 8090). */
export const ARGO_ROLLOUTS_METRICS_PORT = 8090;

/**
 * Controller resources. The request is what a single-namespace edge install needs (a handful of informers);
 * memory limit = request as everywhere in this project, CPU may burst during a reconcile storm.
 */
export const ARGO_ROLLOUTS_RESOURCES = { cpuMillicores: 50, cpuLimitMillicores: 500, memoryMiB: 192 } as const;

/** Sync wave -5: the CRDs must exist before wave 0 applies the Rollout and AnalysisTemplate. */
const ARGO_ROLLOUTS_SYNC_WAVE = -5;

/** The chart's traffic-router RBAC toggles (values.yaml `providerRBAC.providers`), all off. */
const NO_PROVIDERS = {
  istio: false,
  smi: false,
  ambassador: false,
  awsLoadBalancerController: false,
  awsAppMesh: false,
  traefik: false,
  apisix: false,
  contour: false,
  glooPlatform: false,
  gatewayAPI: false,
} as const;

/**
 * `smi`: the site weights the inference canary through the mesh; the controller then creates and patches
 * TrafficSplits (split.smi-spec.io v1alpha1, its `--traffic-split-api-version` default at v1.9.0, which linkerd-smi's
 * CRD stores).
 */
export function argoRolloutsRelease(monitoring: boolean, smi = false): HelmRelease {
  const r = ARGO_ROLLOUTS_RESOURCES;
  return {
    name: ARGO_ROLLOUTS_RELEASE,
    chart: HELM_CHARTS.argoRollouts,
    namespace: ARGO_ROLLOUTS_NAMESPACE,
    syncWave: ARGO_ROLLOUTS_SYNC_WAVE,
    // The Rollout CRD is far above the 256 KiB last-applied-configuration annotation limit.
    serverSideApply: true,
    values: {
      installCRDs: true,
      // Deleting the Application must not delete every Rollout of the site with the CRD.
      keepCRDs: true,
      dashboard: { enabled: false },
      providerRBAC: smi ? { enabled: true, providers: { ...NO_PROVIDERS, smi: true } } : { enabled: false },
      controller: {
        replicas: 1,
        resources: containerResources(r),
        containerPorts: { metrics: ARGO_ROLLOUTS_METRICS_PORT },
        metrics: {
          enabled: monitoring,
          serviceMonitor: { enabled: monitoring, additionalLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
        },
      },
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containerSecurityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
    requests: [
      {
        name: `HelmRelease/${ARGO_ROLLOUTS_NAMESPACE}/${ARGO_ROLLOUTS_RELEASE}`,
        cpuMillicores: r.cpuMillicores,
        memoryMiB: r.memoryMiB,
        podCpuMillicores: r.cpuMillicores,
        podMemoryMiB: r.memoryMiB,
      },
    ],
  };
}
