/**
 * The objects Terraform creates once per Argo CD, after installing it: a bootstrap project and the root
 * Application(s) that sync the rendered output — on the hub `edge-hub` (dist/hub/*.k8s.yaml) and
 * `edge-hub-monitoring` (dist/hub/monitoring/*.k8s.yaml), at a pull-mode site `<site>-gitops`. They are defined
 * here (carried into Terraform by terraform/tools/generate.mjs, and shown in docs/gitops.md, which a test keeps
 * equal to these functions) so that the roots sync exactly like every other Application. Everything else
 * reaches Argo CD from Git through them: Terraform never applies a rendered file.
 */
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { AppProject, IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Site } from '../../lib/model/schema';
import { PlatformSettings } from '../../lib/model/site';
import { ApplicationParts, layerApplication } from './application';
import { HUB_DIR } from './applicationset';
import { ARGOCD_NAMESPACE, IN_CLUSTER_SERVER, PROJECTS, RING_LABEL, SITE_LABEL } from './contract';
import { GITOPS_LAYER } from './site';

export type AppProjectSpec = IAppProject['spec'];
/** A namespaced kind an AppProject permits (`namespaceResourceWhitelist` entry). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** Namespace of the hub's Prometheus Operator stack (lib/constructs/telemetry.ts MONITORING_NAMESPACE; a test keeps them equal). */
export const HUB_MONITORING_NAMESPACE = 'monitoring';
/** Folder of the hub's monitoring objects inside the output folder (charts/monitoring/chart.ts HUB_MONITORING_FILE). */
export const HUB_MONITORING_DIR = `${HUB_DIR}/monitoring`;

/**
 * One root Application of the hub: a folder of `dist/hub`, the namespace its objects belong in and the kinds
 * they are. The bootstrap project permits exactly the union of these (a test checks the rendered files hold
 * nothing else), so a new kind in a hub file fails the test before it fails a sync.
 */
export interface HubRoot {
  readonly name: string;
  /** Folder relative to the output folder (`distPath`); the root syncs its `*.k8s.yaml`, not recursing. */
  readonly dir: string;
  readonly namespace: string;
  /** Label value `edge-ai.io/layer`: the layer whose output the folder holds. */
  readonly layer: string;
  readonly kinds: readonly GroupKind[];
}

/** The hub root of the projects and ApplicationSets. */
export const HUB_ROOT_APPLICATION = 'edge-hub';
/** The hub root of the hub's monitoring objects (optional in Terraform: the hub needs a Prometheus Operator). */
export const HUB_MONITORING_ROOT_APPLICATION = 'edge-hub-monitoring';

export const HUB_ROOTS: readonly HubRoot[] = [
  {
    // Projects and ApplicationSets: the rest of the fleet follows from them.
    name: HUB_ROOT_APPLICATION,
    dir: HUB_DIR,
    namespace: ARGOCD_NAMESPACE,
    layer: GITOPS_LAYER,
    kinds: [
      { group: 'argoproj.io', kind: 'AppProject' },
      { group: 'argoproj.io', kind: 'ApplicationSet' },
      // The hub's telemetry backends (dist/hub/telemetry.k8s.yaml): Helm Applications into the hub itself.
      { group: 'argoproj.io', kind: 'Application' },
    ],
  },
  {
    // Argo CD alert rules for hub-mode sites and the fleet dashboards, for the hub's own Prometheus/Grafana
    // (the operator's stack in `monitoring`, outside this repository). SkipDryRunOnMissingResource (every root
    // has it) lets the ConfigMaps sync before the PrometheusRule CRD exists; the rules follow once it does.
    name: HUB_MONITORING_ROOT_APPLICATION,
    dir: HUB_MONITORING_DIR,
    namespace: HUB_MONITORING_NAMESPACE,
    layer: 'monitoring',
    kinds: [
      { group: 'monitoring.coreos.com', kind: 'PrometheusRule' },
      { group: '', kind: 'ConfigMap' },
    ],
  },
];

/**
 * Namespaced kinds the root Application of a pull-mode site creates from `dist/<site>/gitops.k8s.yaml`: the
 * site's project, its Applications, and the NetworkPolicies Argo CD core itself needs in `argocd`.
 */
export const PULL_ROOT_KINDS: readonly GroupKind[] = [
  { group: 'argoproj.io', kind: 'AppProject' },
  { group: 'argoproj.io', kind: 'Application' },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
];

/**
 * The project of the root Application(s): this repository, this cluster's namespaces the roots write to, the
 * roots' kinds only, nothing cluster-scoped. The roots are the only Applications that may create projects and
 * ApplicationSets. AppProject rules are a cross product (every permitted kind in every destination), so the
 * hub roots could each write the other's kinds; the repository is the same and a test keeps every hub file to
 * its own root's namespace and kinds.
 */
export function bootstrapProjectSpec(platform: PlatformSettings, mode: 'hub' | 'pull'): AppProjectSpec {
  const namespaces = mode === 'hub' ? [...new Set(HUB_ROOTS.map((r) => r.namespace))] : [ARGOCD_NAMESPACE];
  const kinds = mode === 'hub' ? HUB_ROOTS.flatMap((r) => r.kinds) : PULL_ROOT_KINDS;
  return {
    description: 'Root Application of the rendered output (created by Terraform).',
    sourceRepos: [platform.repoURL],
    destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER_SERVER, namespace })),
    clusterResourceWhitelist: [],
    namespaceResourceWhitelist: kinds.map(({ group, kind }) => ({ group, kind })),
  };
}

/**
 * Root Application of a pull-mode site: syncs `dist/<site>/gitops.k8s.yaml` (the site's project, one
 * Application per layer file, one per Helm release, Argo CD's own NetworkPolicies) into the site's own `argocd`
 * namespace. It is the site's `gitops` layer Application, made by the same function as every other layer
 * Application.
 */
export function pullRootApplication(site: Pick<Site, 'name' | 'ring'>, platform: PlatformSettings): ApplicationParts {
  return layerApplication({
    name: `${site.name}-${GITOPS_LAYER}`,
    site: site.name,
    layer: GITOPS_LAYER,
    ring: String(site.ring),
    project: PROJECTS.bootstrap,
    repoURL: platform.repoURL,
    targetRevision: platform.targetRevision,
    path: `${platform.distPath}/${site.name}`,
    include: `${GITOPS_LAYER}.k8s.yaml`,
    cluster: { server: IN_CLUSTER_SERVER },
    namespace: ARGOCD_NAMESPACE,
  });
}

/** One root Application of the hub (see HUB_ROOTS). */
function hubRoot(root: HubRoot, platform: PlatformSettings): ApplicationParts {
  const app = layerApplication({
    name: root.name,
    site: HUB_DIR,
    layer: root.layer,
    ring: '0',
    project: PROJECTS.bootstrap,
    repoURL: platform.repoURL,
    targetRevision: platform.targetRevision,
    path: `${platform.distPath}/${root.dir}`,
    // Non-recursive, YAML only: the per-site JSON files in dist/hub/layers and dist/hub/sites are generator
    // input, not manifests, and dist/hub/monitoring belongs to the other root.
    include: '*.k8s.yaml',
    cluster: { server: IN_CLUSTER_SERVER },
    namespace: root.namespace,
  });
  // The hub roots belong to no site and no ring.
  const labels = Object.fromEntries(Object.entries(app.metadata.labels).filter(([k]) => k !== RING_LABEL && k !== SITE_LABEL));
  return { metadata: { ...app.metadata, labels }, spec: app.spec };
}

/** Root Application `edge-hub`: syncs `dist/hub/*.k8s.yaml` (the projects and the ApplicationSets). */
export function hubRootApplication(platform: PlatformSettings): ApplicationParts {
  return hubRootApplications(platform).find((a) => a.metadata.name === HUB_ROOT_APPLICATION) as ApplicationParts;
}

/** Every root Application of the hub, in HUB_ROOTS order (what Terraform creates after the chart). */
export function hubRootApplications(platform: PlatformSettings): ApplicationParts[] {
  return HUB_ROOTS.map((r) => hubRoot(r, platform));
}

/** A bootstrap object as Terraform applies it (apiVersion, kind, metadata, spec), validated by the typed model. */
export interface BootstrapObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec: Readonly<Record<string, unknown>>;
}

/** The `edge-bootstrap` AppProject of a hub or a pull-mode site. */
export function bootstrapProject(platform: PlatformSettings, mode: 'hub' | 'pull'): BootstrapObject {
  const model = new AppProject({ metadata: { name: PROJECTS.bootstrap, namespace: ARGOCD_NAMESPACE }, spec: bootstrapProjectSpec(platform, mode) });
  model.validate();
  return JSON.parse(JSON.stringify(model.toJSON())) as BootstrapObject;
}

/** A root Application as a complete object. */
export function rootApplicationObject(parts: ApplicationParts): BootstrapObject {
  const model = new Application({ metadata: { ...parts.metadata }, spec: parts.spec });
  model.validate();
  return JSON.parse(JSON.stringify(model.toJSON())) as BootstrapObject;
}
