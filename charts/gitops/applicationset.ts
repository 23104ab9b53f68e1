/**
 * The hub's ApplicationSets (docs/decisions/0009-applicationset-design.md).
 *
 * Each one is a matrix of two generators:
 * 1. a Git files generator over small per-site JSON files the synth writes (`dist/hub/layers/<site>.json`:
 *    one element per layer file; `dist/hub/sites/<site>.json`: one element per site) — the list comes from the
 *    rendered output, so a site exists for the hub exactly when its folder does, and only hub-mode sites get
 *    files;
 * 2. the clusters generator, selecting the one registered cluster labelled with that site and `gitops-mode:
 *    hub` — so an Application is generated only for a rendered site whose cluster Terraform registered, and its
 *    destination comes from the cluster secret, never from Git.
 * Nothing in the ApplicationSet grows with the fleet except the RollingSync steps (two per ring in use).
 */
import { IApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { PlatformSettings } from '../../lib/model/site';
import { ApplicationParts, layerApplication } from './application';
import { ARGOCD_NAMESPACE, CLUSTER_SECRET_TYPE, CLUSTER_SECRET_TYPE_LABEL, GITOPS_MODE_LABEL, IN_CLUSTER_SERVER, LAYER_LABEL, PROJECTS, RING_LABEL, SITE_LABEL } from './contract';
import { BASELINE_LAYER, GITOPS_LAYER } from './site';

export type ApplicationSetSpec = IApplicationSet['spec'];
type RollingSyncStep = NonNullable<NonNullable<NonNullable<ApplicationSetSpec['strategy']>['rollingSync']>['steps']>[number];

/** Folders of the generator files inside the output folder. */
export const HUB_DIR = 'hub';
export const LAYER_DESCRIPTORS_DIR = `${HUB_DIR}/layers`;
export const SITE_DESCRIPTORS_DIR = `${HUB_DIR}/sites`;

export const LAYERS_APPLICATIONSET = 'edge-site-layers';
export const GITOPS_APPLICATIONSET = 'edge-site-gitops';

/**
 * How many Applications of a step may sync at once. Ring 0 is the canary ring (one or a few sites): all of it
 * at once, then the rollout waits for it to be Healthy. Later rings go a quarter at a time, so a change that
 * breaks only under some hardware stops after a quarter of a ring. RollingSync rounds down but syncs at
 * least one Application per batch.
 */
export function maxUpdateForRing(ring: number): string {
  return ring === 0 ? '100%' : '25%';
}

/** Go-template reference to a generator parameter (`missingkey=error` turns a typo into an error). */
function param(name: string): string {
  return `{{ .${name} }}`;
}

/** The clusters generator half of the matrix: the hub-mode cluster registered for the site in `.site`. */
function siteClusterGenerator(): Record<string, unknown> {
  return {
    clusters: {
      selector: {
        matchLabels: {
          [CLUSTER_SECRET_TYPE_LABEL]: CLUSTER_SECRET_TYPE,
          [SITE_LABEL]: param('site'),
          [GITOPS_MODE_LABEL]: 'hub',
        },
      },
    },
  };
}

function gitFilesGenerator(platform: PlatformSettings, dir: string): Record<string, unknown> {
  return { git: { repoURL: platform.repoURL, revision: platform.targetRevision, files: [{ path: `${platform.distPath}/${dir}/*.json` }] } };
}

/** Ring steps in ascending ring order; within a ring, the baseline layer (namespaces) before the other layers. */
function layerRolloutSteps(rings: readonly number[]): RollingSyncStep[] {
  return sortedRings(rings).flatMap((ring) => [
    {
      matchExpressions: [
        { key: RING_LABEL, operator: 'In', values: [String(ring)] },
        { key: LAYER_LABEL, operator: 'In', values: [BASELINE_LAYER] },
      ],
      maxUpdate: maxUpdateForRing(ring),
    },
    {
      matchExpressions: [
        { key: RING_LABEL, operator: 'In', values: [String(ring)] },
        { key: LAYER_LABEL, operator: 'NotIn', values: [BASELINE_LAYER] },
      ],
      maxUpdate: maxUpdateForRing(ring),
    },
  ]);
}

/** Ring steps in ascending ring order (one Application per site). */
function siteRolloutSteps(rings: readonly number[]): RollingSyncStep[] {
  return sortedRings(rings).map((ring) => ({
    matchExpressions: [{ key: RING_LABEL, operator: 'In', values: [String(ring)] }],
    maxUpdate: maxUpdateForRing(ring),
  }));
}

function sortedRings(rings: readonly number[]): number[] {
  return [...new Set(rings)].sort((a, b) => a - b);
}

function applicationSetSpec(platform: PlatformSettings, dir: string, steps: RollingSyncStep[], template: ApplicationParts): ApplicationSetSpec {
  // Generated Applications live in the ApplicationSet's namespace; the template names none.
  const templateMetadata = { name: template.metadata.name, labels: template.metadata.labels, ...(template.metadata.annotations ? { annotations: template.metadata.annotations } : {}) };
  return {
    goTemplate: true,
    goTemplateOptions: ['missingkey=error'],
    generators: [{ matrix: { generators: [gitFilesGenerator(platform, dir), siteClusterGenerator()] } }],
    strategy: { type: 'RollingSync', rollingSync: { steps } },
    // Deleting a generated Application (site removed, generator glitch, ApplicationSet deleted) must never
    // delete what runs at the site: workloads and model caches stay until a human removes them.
    syncPolicy: { preserveResourcesOnDeletion: true },
    template: { metadata: templateMetadata, spec: template.spec as ApplicationSetSpec['template']['spec'] },
  };
}

/** One Application per (hub-mode site, layer file), synced to the site cluster, in ring order. */
export function layersApplicationSetSpec(platform: PlatformSettings, rings: readonly number[]): ApplicationSetSpec {
  const template = layerApplication({
    name: `${param('site')}-${param('layer')}`,
    site: param('site'),
    layer: param('layer'),
    ring: param('ring'),
    // Fixed, never from generator data: a Git change cannot move a site into another project.
    project: PROJECTS.sites,
    repoURL: platform.repoURL,
    targetRevision: platform.targetRevision,
    path: `${platform.distPath}/${param('site')}`,
    include: `${param('layer')}.k8s.yaml`,
    // `.name` is the cluster secret's name (= the site name, Terraform contract).
    cluster: { name: param('name') },
    namespace: param('namespace'),
  });
  return applicationSetSpec(platform, LAYER_DESCRIPTORS_DIR, layerRolloutSteps(rings), template);
}

/**
 * One Application per hub-mode site that syncs the site's `gitops.k8s.yaml` (its Helm controller
 * Applications) into the hub's `argocd` namespace, in ring order: a chart bump reaches ring 1 only after ring
 * 0's controllers are healthy.
 */
export function gitopsApplicationSetSpec(platform: PlatformSettings, rings: readonly number[]): ApplicationSetSpec {
  const template = layerApplication({
    name: `${param('site')}-${GITOPS_LAYER}`,
    site: param('site'),
    layer: GITOPS_LAYER,
    ring: param('ring'),
    project: PROJECTS.hub,
    repoURL: platform.repoURL,
    targetRevision: platform.targetRevision,
    path: `${platform.distPath}/${param('site')}`,
    include: `${GITOPS_LAYER}.k8s.yaml`,
    cluster: { server: IN_CLUSTER_SERVER },
    namespace: ARGOCD_NAMESPACE,
  });
  return applicationSetSpec(platform, SITE_DESCRIPTORS_DIR, siteRolloutSteps(rings), template);
}
