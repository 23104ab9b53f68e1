/**
 * Renders every Helm release of a sample site with the real helm (tools/helm/) from the vendored packages:
 * the Argo CD Applications' charts and values, and at a pull-mode site also Terraform's argo-cd release
 * (terraform/modules/argocd-site: the pinned argo-cd chart with PULL_ARGOCD_HELM_VALUES in `argocd`).
 */
import { ARGOCD_NAMESPACE, PULL_ARGOCD_HELM_VALUES } from '../../charts/gitops/contract';
import { HELM_CHARTS } from '../../lib/model/versions';
import { Site } from '../../lib/model/schema';
import { helmApplications, HelmApplication, renderSiteReleases, RenderedRelease } from '../../tools/helm/releases';
import { buildSite, K8sObject, sampleSite } from '../helpers';

export const SAMPLE_SITES = ['factory-floor', 'office', 'warehouse'];

/** Terraform's argo-cd release at a pull-mode site, in the shape of a Helm Application. */
export function pullArgoCdRelease(site: Site): HelmApplication {
  return {
    application: `${site.name}-argocd (Terraform)`,
    repoURL: HELM_CHARTS.argoCd.repoURL,
    chart: HELM_CHARTS.argoCd.chart,
    version: HELM_CHARTS.argoCd.version,
    releaseName: 'argocd',
    namespace: ARGOCD_NAMESPACE,
    values: PULL_ARGOCD_HELM_VALUES as unknown as Record<string, unknown>,
  };
}

export interface RenderedSiteReleases {
  readonly site: Site;
  /** The site's own objects (every layer file). */
  readonly objects: readonly K8sObject[];
  /** The Helm Applications of the site's gitops layer. */
  readonly applications: readonly HelmApplication[];
  readonly releases: readonly RenderedRelease[];
  readonly apiVersions: readonly string[];
  readonly ms: number;
}

export async function renderSampleSite(name: string): Promise<RenderedSiteReleases> {
  const site = sampleSite(name);
  const built = buildSite(site);
  const applications = helmApplications(built.layers.gitops);
  const all = site.gitops.mode === 'pull' ? [...applications, pullArgoCdRelease(site)] : applications;
  const t0 = performance.now();
  const { releases, apiVersions } = await renderSiteReleases(all, { kubeVersion: site.k3sVersion, extraCrds: [] });
  return { site, objects: built.all, applications, releases, apiVersions, ms: performance.now() - t0 };
}
