/**
 * The objects Terraform creates once per Argo CD, after installing it: a bootstrap project and the root
 * Application that syncs the rendered output. They are defined here (and shown in docs/gitops.md, which a test
 * keeps equal to these functions) so that the root Application syncs exactly like every other Application.
 */
import { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Site } from '../inventory/schema';
import { PlatformSettings } from '../site';
import { ApplicationParts, layerApplication } from './application';
import { HUB_DIR } from './applicationset';
import { ARGOCD_NAMESPACE, IN_CLUSTER_SERVER, PROJECTS, RING_LABEL, SITE_LABEL } from './contract';
import { GITOPS_LAYER } from './site';

export type AppProjectSpec = IAppProject['spec'];

/**
 * The project of the root Application: this repository, this cluster's `argocd` namespace, Argo CD objects
 * only. The root is the one Application that may create projects and ApplicationSets.
 */
export function bootstrapProjectSpec(platform: PlatformSettings, mode: 'hub' | 'pull'): AppProjectSpec {
  const kinds = mode === 'hub' ? ['AppProject', 'ApplicationSet'] : ['AppProject', 'Application'];
  return {
    description: 'Root Application of the rendered output (created by Terraform).',
    sourceRepos: [platform.repoURL],
    destinations: [{ server: IN_CLUSTER_SERVER, namespace: ARGOCD_NAMESPACE }],
    clusterResourceWhitelist: [],
    namespaceResourceWhitelist: kinds.map((kind) => ({ group: 'argoproj.io', kind })),
  };
}

/**
 * Root Application of a pull-mode site: syncs `dist/<site>/gitops.k8s.yaml` (the site's project, one
 * Application per layer file, one per Helm release) into the site's own `argocd` namespace. It is the site's
 * `gitops` layer Application, made by the same function as every other layer Application.
 */
export function pullRootApplication(site: Site, platform: PlatformSettings): ApplicationParts {
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

/** Root Application of the hub: syncs `dist/hub/*.k8s.yaml` (the projects and the ApplicationSets). */
export function hubRootApplication(platform: PlatformSettings): ApplicationParts {
  const root = layerApplication({
    name: 'edge-hub',
    site: HUB_DIR,
    layer: GITOPS_LAYER,
    ring: '0',
    project: PROJECTS.bootstrap,
    repoURL: platform.repoURL,
    targetRevision: platform.targetRevision,
    path: `${platform.distPath}/${HUB_DIR}`,
    // The per-site JSON files in the subfolders are generator input, not manifests: non-recursive, YAML only.
    include: '*.k8s.yaml',
    cluster: { server: IN_CLUSTER_SERVER },
    namespace: ARGOCD_NAMESPACE,
  });
  // The hub root belongs to no site and no ring.
  const labels = Object.fromEntries(Object.entries(root.metadata.labels).filter(([k]) => k !== RING_LABEL && k !== SITE_LABEL));
  return { metadata: { ...root.metadata, labels }, spec: root.spec };
}
