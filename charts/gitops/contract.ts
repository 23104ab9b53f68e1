/**
 * The contract between this repository's rendered Argo CD objects and the Terraform bootstrap
 * (docs/gitops.md, "Terraform contract"). Terraform registers clusters and installs Argo CD; the objects
 * rendered here select those clusters by these labels and live in these namespaces and projects. Change a
 * value here only together with the Terraform module: a renamed label silently empties the hub generators.
 */
import { containerResources, ContainerSize, podConsumer } from '../../lib/constructs/sizing';
import type { Consumer } from '../../lib/model/capacity';
import { GitopsSpec, Site } from '../../lib/model/schema';
import { SITE_LABEL } from '../../lib/constructs/labels';

/** Namespace Argo CD runs in, on the hub and (pull mode) at the site. */
export const ARGOCD_NAMESPACE = 'argocd';
/** The cluster Argo CD runs in, as every Argo CD addresses itself. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** Label Argo CD uses to recognise cluster secrets. */
export const CLUSTER_SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';
export const CLUSTER_SECRET_TYPE = 'cluster';
/** Site name on the cluster secret (the same key every rendered object carries). */
export { SITE_LABEL };
/** Rollout ring of the site, as a decimal string ("0", "1", ...). Also a label of every generated Application. */
export const RING_LABEL = 'edge-ai.io/ring';
/** Region of the site (informational; selectable for regional rollouts). */
export const REGION_LABEL = 'edge-ai.io/region';
/** `hub` on clusters the central Argo CD manages; pull-mode sites are not registered at the hub at all. */
export const GITOPS_MODE_LABEL = 'edge-ai.io/gitops-mode';
/** Layer file an Application syncs (`baseline`, `inference`, ...), on every generated Application. */
export const LAYER_LABEL = 'edge-ai.io/layer';

/** The two GitOps modes of a site (`gitops.mode` in the inventory). */
export type GitopsMode = GitopsSpec['mode'];

/**
 * Argo CD projects. `sites` holds everything that lands on a site cluster; `hub` only the per-site
 * Applications that place Argo CD objects into the hub's own `argocd` namespace; `site` is the project of a
 * pull-mode site's own Argo CD; `bootstrap` is created by Terraform for the one root Application.
 */
export const PROJECTS = {
  sites: 'edge-sites',
  hub: 'edge-hub',
  site: 'edge-site',
  bootstrap: 'edge-bootstrap',
} as const;

/**
 * Labels Terraform puts on a hub-mode site's cluster secret. The secret's `name` must equal the site name and
 * its `project` must be `edge-sites` (the project only permits project-scoped clusters).
 */
export function clusterSecretLabels(site: Site): Record<string, string> {
  return {
    [CLUSTER_SECRET_TYPE_LABEL]: CLUSTER_SECRET_TYPE,
    [SITE_LABEL]: site.name,
    [RING_LABEL]: String(site.ring),
    [REGION_LABEL]: site.region,
    [GITOPS_MODE_LABEL]: 'hub',
  };
}

/** The non-secret data fields of a hub-mode cluster secret (`server` and `config` come from Terraform). */
export function clusterSecretData(site: Site): { readonly name: string; readonly project: string } {
  return { name: site.name, project: PROJECTS.sites };
}

/**
 * Argo CD restored the health check of `Application` objects only on request (removed in 1.8): without it a
 * parent Application does not wait for a child's sync wave to become healthy. Pull-mode sites need it so the
 * root Application creates the Helm controllers (negative waves) before the layers that use their CRDs.
 */
const APPLICATION_HEALTH_LUA = [
  'hs = {}',
  'hs.status = "Progressing"',
  'hs.message = ""',
  'if obj.status ~= nil then',
  '  if obj.status.health ~= nil then',
  '    hs.status = obj.status.health.status',
  '    if obj.status.health.message ~= nil then',
  '      hs.message = obj.status.health.message',
  '    end',
  '  end',
  'end',
  'return hs',
  '',
].join('\n');

/**
 * Helm values (argo-helm `argo-cd` chart) the bootstrap must set on the HUB: Progressive Syncs are Beta and off
 * by default; without the flag the RollingSync strategy is ignored and every ring syncs at once. Annotation
 * tracking keeps Argo CD from overwriting the `app.kubernetes.io/instance` label the Helm charts select on
 * (the default since Argo CD 3.0; set explicitly so an older chart default cannot flip it).
 */
export const HUB_ARGOCD_HELM_VALUES = {
  configs: {
    params: { 'applicationsetcontroller.enable.progressive.syncs': true },
    cm: {
      'application.resourceTrackingMethod': 'annotation',
      // So each site's `<site>-gitops` Application reports its Helm Applications' health and RollingSync waits
      // for the platform controllers of a ring before moving to the next one.
      'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
    },
  },
} as const;


/**
 * The Argo CD core components at a pull-mode site, as the argo-helm `argo-cd` chart renders them with the
 * values below (the chart's `nameOverride: argocd`, so `app.kubernetes.io/name: argocd-<component>` from
 * templates/_helpers.tpl `argo-cd.selectorLabels`; container ports from the chart's `containerPorts` defaults).
 * The site's gitops chart writes the NetworkPolicies these pods need and declares their requests to the
 * capacity check from here; change the chart values and these together.
 */
export const PULL_ARGOCD_COMPONENTS = {
  controller: {
    podLabels: { 'app.kubernetes.io/name': 'argocd-application-controller' },
    /** `controller.containerPorts.metrics`: scraped by the site Prometheus (argocd_app_info). */
    metricsPort: 8082,
  },
  repoServer: {
    podLabels: { 'app.kubernetes.io/name': 'argocd-repo-server' },
    /** `repoServer.containerPorts.server`: the controller asks it for manifests (gRPC). */
    port: 8081,
  },
  redis: {
    podLabels: { 'app.kubernetes.io/name': 'argocd-redis' },
    /** `redis.containerPorts.redis`: the manifest and cluster-state cache of controller and repo server. */
    port: 6379,
  },
} as const;


/**
 * Sizes of the Argo CD core containers at a pull-mode site (a Raspberry Pi 4 with 4–8 GiB shared with K3s,
 * inference and maybe an LLM). The chart sets no resources by default. Memory limit = request, like every
 * workload of the platform (no overcommit of the scarcest edge resource); CPU limits allow bursts.
 * - application controller: keeps the live state of every resource kind in the cluster in memory; a K3s site
 *   with the monitoring stack holds a few thousand objects (~150–250 MiB); 384 MiB leaves headroom;
 * - repo server: forks `helm template` for the Helm Applications (kube-prometheus-stack is the largest, its
 *   CRDs alone are megabytes); the Argo CD HA guide names memory for these forks as the OOM cause and the
 *   parallelism limit as the fix, so it renders one manifest at a time (`reposerver.parallelism.limit`) within
 *   384 MiB. Its `copyutil` init container gets the same resources (chart template);
 * - redis: a throw-away cache (Argo CD HA guide), tens of MiB at this size;
 * - redis secret init: the chart's pre-install hook Job that writes the Redis password; runs once per install
 *   or upgrade (not steady state, so not declared to the capacity check).
 */
export const PULL_ARGOCD_SIZES = {
  controller: { cpuMillicores: 100, cpuLimitMillicores: 1000, memoryMiB: 384 },
  repoServer: { cpuMillicores: 50, cpuLimitMillicores: 1000, memoryMiB: 384 },
  redis: { cpuMillicores: 20, cpuLimitMillicores: 200, memoryMiB: 64 },
  redisSecretInit: { cpuMillicores: 10, cpuLimitMillicores: 100, memoryMiB: 64 },
} as const satisfies Record<string, ContainerSize>;

/**
 * What Argo CD core at a pull-mode site requests at steady state (one pod each), for the capacity check: the
 * chart is installed by Terraform, so no rendered manifest carries these requests.
 */
export function pullArgoCdConsumers(): Consumer[] {
  const pods: [string, ContainerSize][] = [
    ['argocd-application-controller', PULL_ARGOCD_SIZES.controller],
    ['argocd-repo-server', PULL_ARGOCD_SIZES.repoServer],
    ['argocd-redis', PULL_ARGOCD_SIZES.redis],
  ];
  return pods.map(([name, s]) => podConsumer(`${ARGOCD_NAMESPACE}/${name}`, [s]));
}


/**
 * Helm values for the small Argo CD at a pull-mode site: no SSO, notifications or ApplicationSet controller
 * (the site syncs plain Applications from its own folder), so a Raspberry Pi keeps its memory for workloads.
 *
 * Pod Security: the site's `argocd` namespace is `restricted` (charts/gitops/chart.ts). The chart's defaults satisfy
 * it for every pod left enabled (argo-helm charts/argo-cd/values.yaml: `controller`, `repoServer` and
 * `redisSecretInit.containerSecurityContext` set runAsNonRoot, allowPrivilegeEscalation false, drop ALL and
 * seccomp RuntimeDefault; `redis.securityContext` sets runAsNonRoot/runAsUser 999/seccomp at pod level and
 * `redis.containerSecurityContext` drops ALL without privilege escalation), so they are not repeated here.
 */
export const PULL_ARGOCD_HELM_VALUES = {
  // The site's gitops layer renders Argo CD core's NetworkPolicies itself (charts/gitops/network.ts), under the
  // names the chart would use: chart 10.x creates its own by default (`global.networkPolicy.create: true`), and
  // two owners of one object would overwrite each other (found by rendering the chart, test/helm).
  global: { networkPolicy: { create: false } },
  // Argo CD core: no API server/UI on the site (it is managed through Git only).
  server: { enabled: false },
  // The site Prometheus scrapes the application controller (argocd_app_info alerts, charts/monitoring).
  controller: { metrics: { enabled: true }, resources: containerResources(PULL_ARGOCD_SIZES.controller) },
  repoServer: { resources: containerResources(PULL_ARGOCD_SIZES.repoServer) },
  redis: { resources: containerResources(PULL_ARGOCD_SIZES.redis) },
  redisSecretInit: { resources: containerResources(PULL_ARGOCD_SIZES.redisSecretInit) },
  dex: { enabled: false },
  notifications: { enabled: false },
  applicationSet: { enabled: false },
  configs: {
    params: {
      // One `helm template` at a time keeps the repo server inside its memory limit (see PULL_ARGOCD_SIZES);
      // requests queue instead, so the controller waits longer for them than the default 60 s.
      'reposerver.parallelism.limit': 1,
      'controller.repo.server.timeout.seconds': 180,
    },
    cm: {
      'application.resourceTrackingMethod': 'annotation',
      'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
    },
  },
} as const;

/**
 * The Argo CD application controller's metrics Service as the argo-cd Helm chart renders it with
 * `controller.metrics.enabled: true` (templates/argocd-application-controller/metrics.yaml: selector labels
 * with name "metrics" and the controller component; port name `http-metrics`, port
 * `controller.metrics.service.port`).
 */
export const ARGOCD_METRICS = {
  serviceLabels: { 'app.kubernetes.io/name': 'argocd-metrics', 'app.kubernetes.io/component': 'application-controller' },
  portName: 'http-metrics',
  port: PULL_ARGOCD_COMPONENTS.controller.metricsPort,
} as const;
