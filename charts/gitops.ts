/**
 * GitOps layer: the Argo CD objects of every site, and the hub output (docs/gitops.md, docs/decisions/0008
 * and 0009).
 *
 * Per site, `dist/<site>/gitops.k8s.yaml` holds one Application per Helm release the site's layers declare
 * (Argo Rollouts, the Prometheus stack, ...). In hub mode these live on the hub and deploy to the site's
 * cluster (destination name = site name); in pull mode the site's own Argo CD applies the file, which then
 * also holds the site's AppProject, one Application per layer file, and the NetworkPolicies Argo CD core needs
 * in its `argocd` namespace — a namespace the layer declares in pull mode, so the baseline layer gives it
 * Pod Security labels, default-deny, limits and quota like any other.
 *
 * The hub output (`dist/hub/`, rendered on full runs only) holds the AppProjects and the two
 * ApplicationSets that generate the (site, layer) Applications of every hub-mode site, plus one small JSON
 * file per hub-mode site that their Git generators read.
 */
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { toYaml } from '../lib/synth/yaml';
import {
  ApplicationParts,
  BASELINE_SYNC_WAVE,
  ClusterRef,
  helmApplication,
  LAYER_SYNC_WAVE,
  layerApplication,
} from '../lib/argocd/application';
import {
  GITOPS_APPLICATIONSET,
  gitopsApplicationSetSpec,
  HUB_DIR,
  LAYER_DESCRIPTORS_DIR,
  LAYERS_APPLICATIONSET,
  layersApplicationSetSpec,
  SITE_DESCRIPTORS_DIR,
} from '../lib/argocd/applicationset';
import { ARGOCD_NAMESPACE, IN_CLUSTER_SERVER, PROJECTS, pullArgoCdConsumers } from '../lib/argocd/contract';
import { argoCdNetworkPolicies } from '../lib/argocd/network';
import { hubControlProjectSpec, hubSitesProjectSpec, siteProjectSpec } from '../lib/argocd/project';
import { BASELINE_LAYER, GITOPS_LAYER, layerEntries, siteDeployNamespaces, siteEntry, SiteLayer, siteLayers } from '../lib/argocd/site';
import { declareRequests } from '../lib/capacity';
import { LoadedSite } from '../lib/inventory/load';
import { Site } from '../lib/inventory/schema';
import { chartLabels, MANAGED_BY, PART_OF } from '../lib/labels';
import { LayerDefinition } from '../lib/layer';
import { NamespaceSpec } from '../lib/namespaces';
import { Catalog, PlatformSettings } from '../lib/site';
import type { RenderedFile } from '../lib/synth/render';

/**
 * Argo CD objects that only a human may delete: removing them from Git (or a render that lost them) leaves them
 * in place, because deleting a project or an ApplicationSet would take every Application of the fleet with it.
 */
const KEEP_ON_REMOVAL = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' };
/** The site project exists before the Applications that reference it (pull mode, one root sync). */
const SITE_PROJECT_SYNC_WAVE = -20;

export interface GitopsChartProps {
  readonly site: Site;
  readonly platform: PlatformSettings;
  /** The site's enabled layers with their namespaces and Helm releases (`siteLayers`). */
  readonly layers: readonly SiteLayer[];
}

/** The Argo CD objects of one site (`dist/<site>/gitops.k8s.yaml`). */
export class GitopsChart extends Chart {
  constructor(scope: Construct, id: string, props: GitopsChartProps) {
    super(scope, id, { labels: chartLabels(props.site.name, GITOPS_LAYER), disableResourceNameHashes: true });
    const { site, platform, layers } = props;
    const pull = site.gitops.mode === 'pull';
    const cluster: ClusterRef = pull ? { server: IN_CLUSTER_SERVER } : { name: site.name };
    const project = pull ? PROJECTS.site : PROJECTS.sites;
    const ring = String(site.ring);

    if (pull) {
      const spec = siteProjectSpec({ repoURL: platform.repoURL, site, namespaces: siteDeployNamespaces(layers) });
      const model = new AppProject({
        metadata: {
          name: PROJECTS.site,
          namespace: ARGOCD_NAMESPACE,
          labels: { 'app.kubernetes.io/name': PROJECTS.site },
          annotations: { ...KEEP_ON_REMOVAL, 'argocd.argoproj.io/sync-wave': String(SITE_PROJECT_SYNC_WAVE) },
        },
        spec,
      });
      model.validate();
      new ApiObject(this, 'project', model.toJSON());
      // Argo CD core runs here (installed by Terraform, not rendered): its traffic past the baseline's
      // default-deny, and its requests for the capacity check.
      argoCdNetworkPolicies(this);
      for (const consumer of pullArgoCdConsumers()) declareRequests(this, consumer);
      // The same function the hub ApplicationSet uses as its template (lib/argocd/application.ts).
      for (const entry of layerEntries(site, layers)) {
        this.application(
          layerApplication({
            name: `${site.name}-${entry.layer}`,
            site: site.name,
            layer: entry.layer,
            ring,
            project,
            repoURL: platform.repoURL,
            targetRevision: platform.targetRevision,
            path: `${platform.distPath}/${site.name}`,
            include: `${entry.layer}.k8s.yaml`,
            cluster,
            namespace: entry.namespace,
            syncWave: entry.layer === BASELINE_LAYER ? BASELINE_SYNC_WAVE : LAYER_SYNC_WAVE,
          }),
        );
      }
    }

    for (const layer of layers) {
      for (const release of layer.releases) {
        this.application(helmApplication({ site: site.name, ring, layer: layer.name, release, project, cluster }));
        // The release's pods are not rendered here, so tell the capacity check what they will request.
        for (const consumer of release.requests) declareRequests(this, consumer);
      }
    }
  }

  private application(parts: ApplicationParts): void {
    const model = new Application({ metadata: { ...parts.metadata }, spec: parts.spec });
    model.validate();
    new ApiObject(this, `application-${parts.metadata.name}`, model.toJSON());
  }
}

/**
 * The namespace of a pull-mode site's own Argo CD. Terraform's K3s HelmChart creates it at install time (Helm
 * `--create-namespace`, no labels; nothing re-applies it), and the baseline layer then adopts it like every
 * declared namespace. `restricted`: the argo-cd chart's default security contexts satisfy it for every pod
 * left enabled (lib/argocd/contract.ts PULL_ARGOCD_HELM_VALUES). The hub's `argocd` namespace is not a site
 * namespace: hub-mode sites declare none.
 */
export function argoCdNamespace(): NamespaceSpec {
  return { name: ARGOCD_NAMESPACE, layer: GITOPS_LAYER, podSecurity: 'restricted', apiServerEgress: true };
}

export const gitopsLayer: LayerDefinition = {
  name: GITOPS_LAYER,
  enabled: () => true,
  namespaces: (site) => (site.gitops.mode === 'pull' ? [argoCdNamespace()] : []),
  build: (scope, ctx, layers) =>
    new GitopsChart(scope, GITOPS_LAYER, { site: ctx.site, platform: ctx.catalog.platform, layers: siteLayers(ctx, layers) }),
};

/** Labels of the hub objects (fleet-level: no site label). */
function hubLabels(): Record<string, string> {
  return { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': GITOPS_LAYER };
}

/** A hub-mode site with its resolved layers. */
export interface HubSite {
  readonly site: Site;
  readonly layers: readonly SiteLayer[];
}

export interface HubChartProps {
  readonly platform: PlatformSettings;
  /** Hub-mode sites only, in inventory order. */
  readonly sites: readonly HubSite[];
}

/** `dist/hub/projects.k8s.yaml`: the project of the site clusters and the project of the hub-side Applications. */
export class HubProjectsChart extends Chart {
  constructor(scope: Construct, id: string, props: HubChartProps) {
    super(scope, id, { labels: hubLabels(), disableResourceNameHashes: true });
    const namespaces = props.sites.flatMap((s) => siteDeployNamespaces(s.layers));
    const projects = [
      { name: PROJECTS.sites, spec: hubSitesProjectSpec({ name: PROJECTS.sites, repoURL: props.platform.repoURL, namespaces, sites: props.sites.map((s) => s.site) }) },
      { name: PROJECTS.hub, spec: hubControlProjectSpec(props.platform.repoURL) },
    ];
    for (const p of projects) {
      const model = new AppProject({
        metadata: { name: p.name, namespace: ARGOCD_NAMESPACE, labels: { 'app.kubernetes.io/name': p.name }, annotations: { ...KEEP_ON_REMOVAL } },
        spec: p.spec,
      });
      model.validate();
      new ApiObject(this, p.name, model.toJSON());
    }
  }
}

/** `dist/hub/applicationsets.k8s.yaml`: the generators of every hub-mode site's Applications. */
export class HubApplicationSetsChart extends Chart {
  constructor(scope: Construct, id: string, props: HubChartProps) {
    super(scope, id, { labels: hubLabels(), disableResourceNameHashes: true });
    const rings = props.sites.map((s) => s.site.ring);
    const sets = [
      { name: LAYERS_APPLICATIONSET, spec: layersApplicationSetSpec(props.platform, rings) },
      { name: GITOPS_APPLICATIONSET, spec: gitopsApplicationSetSpec(props.platform, rings) },
    ];
    for (const s of sets) {
      const model = new ApplicationSet({
        metadata: { name: s.name, namespace: ARGOCD_NAMESPACE, labels: { 'app.kubernetes.io/name': s.name }, annotations: { ...KEEP_ON_REMOVAL } },
        spec: s.spec,
      });
      model.validate();
      new ApiObject(this, s.name, model.toJSON());
    }
  }
}

/** Same serialisation as the site files (lib/synth/render.ts; not imported: that module imports the layer registry). */

function toJsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Renders `dist/hub/` for the whole inventory: two YAML files plus two small JSON files per hub-mode site.
 * `layers` is the layer registry; lib/layers.ts passes it (this module cannot import the registry: the
 * registry imports this module).
 */
export function hubOutput(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[]): RenderedFile[] {
  const hubSites: HubSite[] = sites
    .filter((s) => s.site.gitops.mode === 'hub')
    .map((s) => ({ site: s.site, layers: siteLayers({ site: s.site, file: s.file, catalog }, layers) }));
  const props: HubChartProps = { platform: catalog.platform, sites: hubSites };
  const app = new App({ outdir: `${catalog.platform.distPath}/${HUB_DIR}` });
  const files: RenderedFile[] = [
    { path: `${HUB_DIR}/projects.k8s.yaml`, content: toYaml(new HubProjectsChart(app, 'projects', props).toJson()) },
    { path: `${HUB_DIR}/applicationsets.k8s.yaml`, content: toYaml(new HubApplicationSetsChart(app, 'applicationsets', props).toJson()) },
  ];
  for (const { site, layers: siteLayerList } of hubSites) {
    files.push({ path: `${LAYER_DESCRIPTORS_DIR}/${site.name}.json`, content: toJsonFile(layerEntries(site, siteLayerList)) });
    files.push({ path: `${SITE_DESCRIPTORS_DIR}/${site.name}.json`, content: toJsonFile(siteEntry(site)) });
  }
  return files;
}
