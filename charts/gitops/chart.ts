/**
 * The GitOps layer's chart (docs/gitops.md, docs/decisions/0008 and 0009): `dist/<site>/gitops.k8s.yaml` holds
 * one Application per Helm release the site's layers declare (Argo Rollouts, the Prometheus stack, ...). In
 * hub mode these live on the hub and deploy to the site's cluster (destination name = site name); in pull
 * mode the site's own Argo CD applies the file, which then also holds the site's AppProject, one Application
 * per layer file, and the NetworkPolicies Argo CD core needs in its `argocd` namespace.
 * The hub's own objects (`dist/hub/`) are in hub.ts.
 */
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { chartLabels } from '../../lib/constructs/labels';
import { Site } from '../../lib/model/schema';
import { PlatformSettings } from '../../lib/model/site';
import { ApplicationParts, BASELINE_SYNC_WAVE, ClusterRef, helmApplication, LAYER_SYNC_WAVE, layerApplication } from './application';
import { ARGOCD_NAMESPACE, IN_CLUSTER_SERVER, PROJECTS } from './contract';
import { argoCdNetworkPolicies } from './network';
import { siteProjectSpec } from './project';
import { BASELINE_LAYER, GITOPS_LAYER, layerEntries, siteDeployNamespaces, SiteLayer } from './site';

/**
 * Argo CD objects that only a human may delete: removing them from Git (or a render that lost them) leaves them
 * in place, because deleting a project or an ApplicationSet would take every Application of the fleet with it.
 */
export const KEEP_ON_REMOVAL = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' };
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
      // default-deny (its requests are the layer's `requests`).
      argoCdNetworkPolicies(this);
      // The same function the hub ApplicationSet uses as its template (charts/gitops/application.ts).
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
      }
    }
  }

  private application(parts: ApplicationParts): void {
    const model = new Application({ metadata: { ...parts.metadata }, spec: parts.spec });
    model.validate();
    new ApiObject(this, `application-${parts.metadata.name}`, model.toJSON());
  }
}

