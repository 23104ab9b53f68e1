/**
 * What the GitOps layer needs to know about one site: its active layer files, the namespaces each deploys
 * into, and the Helm releases each declares — taken from the site view the registry resolved, checked, and
 * shared by the per-site chart and the hub output so both describe the same Applications.
 */
import { HelmRelease } from '../../lib/constructs/helm';
import { SiteView } from '../../lib/constructs/layer';
import { Site } from '../../lib/model/schema';
import { HELM_CHARTS } from '../../lib/model/versions';
import { BASELINE_SYNC_WAVE } from './application';

/** The layer that renders the Argo CD objects themselves (synced by the root or the hub, not by itself). */
export const GITOPS_LAYER = 'gitops';
/** The layer that creates every namespace; synced first within a ring. */
export const BASELINE_LAYER = 'baseline';

/** Where a layer deploys: all the hub reads of a site's layer (the hub never needs the releases' values). */
export interface LayerPlacement {
  /** Layer file stem (`dist/<site>/<name>.k8s.yaml`). */
  readonly name: string;
  /** Namespaces the layer declares (created by the baseline layer). */
  readonly namespaces: readonly string[];
  /** The namespaces of the Helm releases the layer declares. */
  readonly releases: readonly Pick<HelmRelease, 'namespace'>[];
}

export interface SiteLayer extends LayerPlacement {
  /** Helm releases the layer declares, installed as Argo CD Applications by the gitops layer. */
  readonly releases: readonly HelmRelease[];
}

/** A site's layers as the hub reads them (what the render cache keeps of a site for the hub). */
export function layerPlacements(layers: readonly SiteLayer[]): LayerPlacement[] {
  return layers.map((l) => ({ name: l.name, namespaces: l.namespaces, releases: l.releases.map((r) => ({ namespace: r.namespace })) }));
}

/** The active layers of a site with their namespaces and Helm releases; throws on inconsistent declarations. */
export function siteLayers(site: Site, view: SiteView): SiteLayer[] {
  const result: SiteLayer[] = view.layers.map((l) => ({
    name: l.name,
    namespaces: l.namespaces.map((n) => n.name),
    releases: view.releases.filter((r) => r.layer === l.name).map((r) => r.release),
  }));
  checkReleases(site, result);
  return result;
}

const PINNED_CHARTS = new Set(Object.values(HELM_CHARTS).map((c) => `${c.repoURL}|${c.chart}|${c.version}`));

function checkReleases(site: Site, layers: readonly SiteLayer[]): void {
  const declared = new Set(layers.flatMap((l) => l.namespaces));
  const layerNames = new Set(layers.map((l) => l.name));
  const seen = new Map<string, string>();
  for (const layer of layers) {
    for (const r of layer.releases) {
      const where = `site "${site.name}", layer "${layer.name}", Helm release "${r.name}"`;
      const other = seen.get(r.name);
      if (other !== undefined) {
        throw new Error(`${where}: the release name is already used by layer "${other}"; Application names (<site>-<release>) must be unique: rename one release`);
      }
      seen.set(r.name, layer.name);
      if (layerNames.has(r.name)) {
        throw new Error(`${where}: the release is named like a layer, so Application "${site.name}-${r.name}" would be both: rename the release`);
      }
      if (!declared.has(r.namespace)) {
        throw new Error(
          `${where}: namespace "${r.namespace}" is not declared by any enabled layer (declared: ${[...declared].sort().join(', ') || 'none'}); ` +
            'Argo CD never creates namespaces (the baseline layer does): add it to the layer\'s namespaces()',
        );
      }
      if (!PINNED_CHARTS.has(`${r.chart.repoURL}|${r.chart.chart}|${r.chart.version}`)) {
        throw new Error(`${where}: chart ${r.chart.chart} ${r.chart.version} from ${r.chart.repoURL} is not an entry of HELM_CHARTS: reference lib/model/versions.ts, never spell a chart version`);
      }
      if (!Number.isInteger(r.syncWave) || r.syncWave <= BASELINE_SYNC_WAVE) {
        throw new Error(`${where}: syncWave ${r.syncWave} must be a whole number above ${BASELINE_SYNC_WAVE} (the baseline layer's wave creates the namespaces first): use -5 for controllers that install CRDs`);
      }
    }
  }
}

/**
 * Namespace an Application of the layer names as its destination. Every rendered object states its own
 * namespace, so this only has to be a permitted one: the layer's first namespace, else the site's first.
 */
function layerDestinationNamespace(layer: LayerPlacement, all: readonly LayerPlacement[]): string {
  return layer.namespaces[0] ?? all.flatMap((l) => l.namespaces)[0] ?? 'default';
}

/** Every namespace the site's Applications deploy into (project destinations), sorted. */
export function siteDeployNamespaces(layers: readonly LayerPlacement[]): string[] {
  const out = new Set<string>();
  for (const l of layers) {
    for (const n of l.namespaces) out.add(n);
    for (const r of l.releases) out.add(r.namespace);
    out.add(layerDestinationNamespace(l, layers));
  }
  return [...out].sort();
}

/** One element of a site's layer descriptor (`dist/hub/layers/<site>.json`): one Application each. */
export interface LayerEntry {
  readonly site: string;
  /** Decimal string: it becomes a label value. */
  readonly ring: string;
  readonly layer: string;
  readonly namespace: string;
}

/** The layer Applications of a site: every enabled layer file except the gitops layer's own. */
export function layerEntries(site: Site, layers: readonly LayerPlacement[]): LayerEntry[] {
  return layers
    .filter((l) => l.name !== GITOPS_LAYER)
    .map((l) => ({ site: site.name, ring: String(site.ring), layer: l.name, namespace: layerDestinationNamespace(l, layers) }));
}

/** One site's entry for the hub's per-site gitops Applications (`dist/hub/sites/<site>.json`). */
export interface SiteEntry {
  readonly site: string;
  readonly ring: string;
}

export function siteEntry(site: Site): SiteEntry {
  return { site: site.name, ring: String(site.ring) };
}
