/**
 * Kyverno as a HelmRelease the gitops layer turns into an Argo CD Application (chart kyverno 3.3.9 = Kyverno
 * v1.13.6, the last line that supports Kubernetes 1.28; pinned in lib/model/versions.ts, vendored in
 * vendor/helm-charts/).
 *
 * Values are the chart's own keys (charts/kyverno/values.yaml at kyverno-chart-3.3.9), set for a small edge
 * cluster (docs/decisions/0027-admission-policies.md):
 * - the admission controller, one replica: it evaluates the ClusterPolicies on admission;
 * - the reports controller, one replica: background scans and PolicyReports (violations of objects that
 *   predate a policy or are audited), and the `kyverno_policy_results_total` series of those scans;
 * - no background controller (generate / mutate-existing rules: the project has none) and no cleanup controller
 *   (no CleanupPolicies): two pods less on a 4 GiB Raspberry Pi;
 * - no ValidatingAdmissionPolicy generation: K3s 1.28 does not serve admissionregistration.k8s.io/v1 (GA in
 *   1.30), and one engine is easier to reason about than two;
 * - no Helm hooks: the delete clean-ups (webhooksCleanup, the config-map removal of `config.preserve`,
 *   policyReportsCleanup) run a third-party bitnami/kubectl image (Bitnami has been retiring its versioned public
 *   tags) and Argo CD does not run Helm delete hooks; webhooks Kyverno leaves behind fail open (failurePolicy
 *   Ignore). The CRD storage migration (`crds.migration`, a post-upgrade hook) would run on every Argo CD sync
 *   (Argo CD maps post-upgrade hooks to PostSync) and has no resources; run `kyverno migrate` by hand when a
 *   Kyverno bump changes a CRD's storage version (docs/decisions/0027-admission-policies.md). With
 *   `config.preserve: false` the chart owns its config map like any other object;
 * - requests and limits on every container (memory limit = request, as everywhere in this project), counted
 *   by the capacity check through `requests`;
 * - restricted Pod Security: the chart's containers already drop ALL capabilities, run as non-root with a
 *   read-only root filesystem and RuntimeDefault seccomp;
 * - metrics Services on (the chart's defaults) but its ServiceMonitors off: the policies chart renders one
 *   PodMonitor for both controllers, so the layer's alerts see their scrape in the site's own objects.
 * The images (ghcr.io/kyverno/*) are multi-arch: `ko build --platform=all` in the v1.13.6 Makefile (amd64, arm64, …).
 */
import { HelmRelease } from '../../lib/constructs/helm';
import { HELM_CHARTS } from '../../lib/model/versions';
import { Consumer } from '../../lib/model/capacity';
import { containerResources, ContainerSize, podConsumer } from '../../lib/constructs/sizing';
import { KYVERNO_RELEASE, POLICIES_NAMESPACE } from './names';


/**
 * Container sizes. The admission controller holds informers for the policies and the matched kinds of a
 * small single-site cluster (Kyverno's own guidance starts at 128 MiB for small clusters; 256 MiB leaves room
 * for the CEL programs and the certificate renewer). The reports controller keeps one report per scanned
 * object: a few hundred at an edge site.
 */
export const KYVERNO_SIZES = {
  admission: { cpuMillicores: 100, cpuLimitMillicores: 1000, memoryMiB: 256 },
  reports: { cpuMillicores: 50, cpuLimitMillicores: 500, memoryMiB: 128 },
  /** The admission controller's init container (kyvernopre) runs before it; its request never adds up. */
  init: { cpuMillicores: 10, cpuLimitMillicores: 100, memoryMiB: 64 },
  /** The chart's test pod (`helm test` only): short-lived. */
  hook: { cpuMillicores: 10, cpuLimitMillicores: 100, memoryMiB: 64 },
} as const satisfies Record<string, ContainerSize>;

const consumer = (name: string, s: ContainerSize): Consumer => podConsumer(`HelmRelease/${POLICIES_NAMESPACE}/${KYVERNO_RELEASE}/${name}`, [s]);

/** Sync wave -5: the kyverno.io CRDs must exist before wave 0 applies the ClusterPolicies. */
const KYVERNO_SYNC_WAVE = -5;

export function kyvernoRelease(): HelmRelease {
  const s = KYVERNO_SIZES;
  return {
    name: KYVERNO_RELEASE,
    chart: HELM_CHARTS.kyverno,
    namespace: POLICIES_NAMESPACE,
    syncWave: KYVERNO_SYNC_WAVE,
    // The ClusterPolicy CRD is far above the 256 KiB last-applied-configuration annotation limit.
    serverSideApply: true,
    values: {
      features: {
        generateValidatingAdmissionPolicy: { enabled: false },
        backgroundScan: { backgroundScanWorkers: 1 },
      },
      admissionController: {
        replicas: 1,
        initContainer: { resources: containerResources(s.init) },
        container: { resources: containerResources(s.admission) },
        serviceMonitor: { enabled: false },
      },
      reportsController: { enabled: true, replicas: 1, resources: containerResources(s.reports), serviceMonitor: { enabled: false } },
      backgroundController: { enabled: false },
      cleanupController: { enabled: false },
      config: { preserve: false },
      crds: { migration: { enabled: false } },
      webhooksCleanup: { enabled: false },
      policyReportsCleanup: { enabled: false },
      test: { resources: containerResources(s.hook) },
    },
    requests: [consumer('admission-controller', s.admission), consumer('reports-controller', s.reports)],
  };
}
