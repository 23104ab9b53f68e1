/**
 * AppProject guard rails: what may be synced from where to where, and when.
 *
 * Sizing (docs/decisions/0009): the hub project must stay far below etcd's 1.5 MiB object limit at 3,000
 * sites. Destinations are therefore `name: '*'` × the layer namespaces (O(namespaces), not O(sites)), and the
 * set of clusters is enforced by `permitOnlyProjectScopedClusters` (only cluster secrets that Terraform
 * scoped to this project qualify). Sync windows are grouped by identical schedule, so they grow by one
 * cluster name per site with a window, not by one window object per site.
 */
import { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Site } from '../../lib/model/schema';
import { HELM_CHARTS } from '../../lib/model/versions';
import { HelmRelease } from '../../lib/constructs/helm';
import { ARGOCD_NAMESPACE, IN_CLUSTER_SERVER } from './contract';

export type AppProjectSpec = IAppProject['spec'];
/** `name` restricts a whitelisted kind to matching object names (Argo CD 3.x CRD field, glob). */
export interface ClusterResource {
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
}
type SyncWindow = NonNullable<AppProjectSpec['syncWindows']>[number];

/**
 * Cluster-scoped kinds the site Applications may create, and why. Anything else cluster-scoped (a
 * PriorityClass, a StorageClass, another CRD's cluster-scoped kind) fails the sync until it is added here
 * with its reason. Namespaces are whitelisted separately, by name.
 */
export const CLUSTER_SCOPED_KINDS: readonly (ClusterResource & { readonly why: string })[] = [
  {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    why: 'Argo Rollouts (Rollout, AnalysisTemplate), kube-prometheus-stack (Prometheus Operator) and, at mesh sites, linkerd-crds install their CRDs',
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    why: 'controllers that watch all namespaces: Argo Rollouts, Prometheus Operator, kube-state-metrics, the OpenTelemetry k8sattributes preset, the Linkerd control plane and CNI plugin',
  },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', why: 'binds those ClusterRoles to the controllers\' service accounts' },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingWebhookConfiguration',
    why: 'kube-prometheus-stack: Prometheus Operator admission webhook (validates PrometheusRules); Linkerd ServiceProfile and policy validators',
  },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'MutatingWebhookConfiguration',
    why: 'kube-prometheus-stack: Prometheus Operator admission webhook (defaults PrometheusRules); the Linkerd proxy injector',
  },
  { group: 'kyverno.io', kind: 'ClusterPolicy', why: 'the policies layer: the platform\'s admission policies (Kyverno)' },
];

/** The Namespaces the layers own, by name, plus the other allowed cluster-scoped kinds. */
function clusterResourceWhitelist(namespaces: readonly string[]): ClusterResource[] {
  return [
    ...[...new Set(namespaces)].sort().map((name) => ({ group: '', kind: 'Namespace', name })),
    ...CLUSTER_SCOPED_KINDS.map(({ group, kind }) => ({ group, kind })),
  ];
}

/** This repository plus every Helm repository a pinned chart comes from (lib/model/versions.ts). */
function sourceRepos(repoURL: string): string[] {
  const helm = [...new Set(Object.values(HELM_CHARTS).map((c) => c.repoURL))].sort();
  return [repoURL, ...helm];
}

/** A site's maintenance windows, as the inventory states them (`gitops.syncWindows`). */
export type InventoryWindow = Site['gitops']['syncWindows'][number];

/**
 * Turns the sites' windows into project windows scoped to those sites' clusters (cluster name = site name;
 * Argo CD matches `clusters` against the destination name or server). Sites with the same window share one
 * entry, so the list grows by a cluster name per site, not by a window per site.
 */
function hubSyncWindows(sites: readonly Site[]): SyncWindow[] {
  const groups = new Map<string, { window: InventoryWindow; clusters: string[] }>();
  for (const site of sites) {
    for (const w of site.gitops.syncWindows) {
      const key = JSON.stringify([w.kind, w.schedule, w.duration, w.timeZone, w.manualSync]);
      const group = groups.get(key) ?? { window: w, clusters: [] };
      group.clusters.push(site.name);
      groups.set(key, group);
    }
  }
  return [...groups.keys()].sort().map((key) => {
    const { window: w, clusters } = groups.get(key) as { window: InventoryWindow; clusters: string[] };
    return { ...windowFields(w), clusters: [...new Set(clusters)].sort() };
  });
}

/** The windows of one pull-mode site, for its own project (every Application in it is the site's). */
function siteSyncWindows(site: Site): SyncWindow[] {
  return site.gitops.syncWindows.map((w) => ({ ...windowFields(w), applications: ['*'] }));
}

function windowFields(w: InventoryWindow): SyncWindow {
  return { kind: w.kind, schedule: w.schedule, duration: w.duration, timeZone: w.timeZone, manualSync: w.manualSync };
}

export interface HubProjectProps {
  readonly name: string;
  readonly repoURL: string;
  /** Every namespace any hub-mode site's layers or Helm releases deploy into. */
  readonly namespaces: readonly string[];
  /** Hub-mode sites (their windows become project windows). */
  readonly sites: readonly Site[];
}

/** The project of everything the hub syncs to site clusters. */
export function hubSitesProjectSpec(props: HubProjectProps): AppProjectSpec {
  const namespaces = [...new Set(props.namespaces)].sort();
  return {
    description: 'Edge sites managed by the hub: layer files and Helm controllers, to project-scoped site clusters only.',
    sourceRepos: sourceRepos(props.repoURL),
    // Any cluster *name*, but only clusters scoped to this project (Terraform sets `project` on the cluster
    // secret of hub-mode sites): O(namespaces) entries however many sites there are.
    destinations: namespaces.map((namespace) => ({ name: '*', namespace })),
    permitOnlyProjectScopedClusters: true,
    clusterResourceWhitelist: clusterResourceWhitelist(namespaces) as AppProjectSpec['clusterResourceWhitelist'],
    orphanedResources: { warn: true },
    syncWindows: hubSyncWindows(props.sites),
  };
}

/**
 * The project of the per-site Applications that place a site's Argo CD objects (its Helm Applications) into
 * the hub's own `argocd` namespace: Applications only, nothing cluster-scoped, nowhere else.
 */
export function hubControlProjectSpec(repoURL: string): AppProjectSpec {
  return {
    description: "Per-site Applications that sync dist/<site>/gitops.k8s.yaml (Argo CD Applications) into the hub's argocd namespace.",
    sourceRepos: [repoURL],
    destinations: [{ server: IN_CLUSTER_SERVER, namespace: ARGOCD_NAMESPACE }],
    clusterResourceWhitelist: [],
    namespaceResourceWhitelist: [{ group: 'argoproj.io', kind: 'Application' }],
  };
}

export interface SiteProjectProps {
  readonly repoURL: string;
  readonly site: Site;
  readonly namespaces: readonly string[];
}

/** The project of a pull-mode site's own Argo CD: this cluster, the site's namespaces, the site's windows. */
export function siteProjectSpec(props: SiteProjectProps): AppProjectSpec {
  const namespaces = [...new Set(props.namespaces)].sort();
  return {
    description: `Layers and Helm controllers of site ${props.site.name}, synced by the site's own Argo CD (pull mode).`,
    sourceRepos: sourceRepos(props.repoURL),
    destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER_SERVER, namespace })),
    clusterResourceWhitelist: clusterResourceWhitelist(namespaces) as AppProjectSpec['clusterResourceWhitelist'],
    orphanedResources: { warn: true },
    syncWindows: siteSyncWindows(props.site),
  };
}

/**
 * The project of the hub's telemetry Applications: the pinned charts' repositories, the hub cluster's
 * namespaces of those releases, and the cluster-scoped kinds their charts create (CRDs, RBAC).
 */
export function hubTelemetryProjectSpec(releases: readonly HelmRelease[]): AppProjectSpec {
  const namespaces = [...new Set(releases.map((r) => r.namespace))].sort();
  return {
    description: "The hub's telemetry backends (remote-write receiver, Loki, Tempo, OTLP gateway), pinned Helm charts into the hub cluster.",
    sourceRepos: [...new Set(releases.map((r) => r.chart.repoURL))].sort(),
    destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER_SERVER, namespace })),
    clusterResourceWhitelist: CLUSTER_SCOPED_KINDS.map(({ group, kind }) => ({ group, kind })) as AppProjectSpec['clusterResourceWhitelist'],
    orphanedResources: { warn: true },
  };
}
