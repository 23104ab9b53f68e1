/**
 * Outputs rendered once for the whole fleet (full runs only): `dist/hub/` for the central Argo CD and the hub
 * monitoring. Each site's layers are resolved by the same function as its own render, so the hub describes
 * exactly the Applications, rules and dashboards the sites have.
 */
import { App } from 'cdk8s';
import { HUB_DIR, LAYER_DESCRIPTORS_DIR, SITE_DESCRIPTORS_DIR } from '../../charts/gitops/applicationset';
import { HubApplicationSetsChart, HubProjectsChart, HubSite, HubTelemetryChart } from '../../charts/gitops/hub';
import { hubArgoCdRules } from '../../charts/gitops/rules';
import { LayerPlacement, layerEntries, layerPlacements, siteEntry, siteLayers } from '../../charts/gitops/site';
import { HUB_MONITORING_FILE, HubMonitoringChart } from '../../charts/monitoring/hub';
import { monitoringTelemetry } from '../../charts/monitoring';
import { fleetOverviewDashboard } from '../../charts/monitoring/fleet-dashboard';
import { FleetSite, fleetRules } from '../../charts/monitoring/fleet-rules';
import { hubReleases } from '../../charts/monitoring/hub-stack';
import { resolveHubSettings } from '../../charts/monitoring/hub-endpoints';
import { RuleModule } from '../constructs/rules';
import { DashboardContribution } from '../constructs/dashboard';
import { LayerDefinition, SiteView } from '../constructs/layer';
import { Site } from '../model/schema';
import { LoadedSite } from '../model/load';
import { Catalog } from '../model/site';
import { LAYERS } from './registry';
import { RenderedFile, resolveSite } from './render';
import { toYaml } from './yaml';

/**
 * What the hub needs to know about one site, as plain data (the render cache keeps it with the site's files, so
 * an unchanged site is not resolved again): its layers and Helm releases (hub mode), and the dashboards it
 * contributes to the fleet view (when its monitoring layer runs), in registry order.
 */
export interface SiteHubFacts {
  /** The layers active at the site, in registry order. */
  readonly layers: readonly string[];
  readonly hubLayers?: readonly LayerPlacement[];
  readonly dashboards?: readonly { readonly layer: string; readonly id: string; readonly facts: readonly string[] }[];
}

export function siteHubFacts(site: LoadedSite, catalog: Catalog, layers: readonly LayerDefinition[] = LAYERS): SiteHubFacts {
  return hubFactsOf(site.site, resolveSite({ site: site.site, file: site.file, catalog }, layers).view);
}

/** The hub facts of a site from the view its render already resolved. */
export function hubFactsOf(site: Site, view: SiteView): SiteHubFacts {
  const monitored = view.layers.some((l) => l.name === 'monitoring');
  return {
    layers: view.layers.map((l) => l.name),
    hubLayers: site.gitops.mode === 'hub' ? layerPlacements(siteLayers(site, view)) : undefined,
    dashboards: monitored ? view.layers.flatMap((l) => (l.telemetry.dashboards ?? []).map((d) => ({ layer: l.name, id: d.id, facts: [...(d.facts ?? [])] }))) : undefined,
  };
}

/** Outputs rendered once for the whole fleet (e.g. `hub/` for the central Argo CD), not per site. */
/** How a fleet output turns its objects into YAML (the render cache passes a memoizing one). */
export type YamlSerializer = (objects: readonly unknown[]) => string;

export type FleetOutput = (sites: readonly LoadedSite[], catalog: Catalog, facts?: readonly SiteHubFacts[], serialize?: YamlSerializer) => RenderedFile[];

function toJsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function factsOf(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[], facts?: readonly SiteHubFacts[]): readonly SiteHubFacts[] {
  return facts ?? sites.map((s) => siteHubFacts(s, catalog, layers));
}

/** `dist/hub/`: two YAML files plus two small JSON files per hub-mode site (read by the ApplicationSets' Git generators). */
export function hubOutput(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[] = LAYERS, facts?: readonly SiteHubFacts[]): RenderedFile[] {
  const known = factsOf(sites, catalog, layers, facts);
  const hubSites: HubSite[] = sites.flatMap((s, i) => (known[i].hubLayers ? [{ site: s.site, layers: known[i].hubLayers! }] : []));
  const props = { platform: catalog.platform, sites: hubSites };
  const app = new App({ outdir: `${catalog.platform.distPath}/${HUB_DIR}` });
  const files: RenderedFile[] = [
    { path: `${HUB_DIR}/projects.k8s.yaml`, content: toYaml(new HubProjectsChart(app, 'projects', props).toJson()) },
    { path: `${HUB_DIR}/applicationsets.k8s.yaml`, content: toYaml(new HubApplicationSetsChart(app, 'applicationsets', props).toJson()) },
  ];
  const releases = hubReleases(resolveHubSettings({ catalog }));
  if (releases.length) files.push({ path: `${HUB_DIR}/telemetry.k8s.yaml`, content: toYaml(new HubTelemetryChart(app, 'telemetry', { releases }).toJson()) });
  for (const { site, layers: siteLayerList } of hubSites) {
    files.push({ path: `${LAYER_DESCRIPTORS_DIR}/${site.name}.json`, content: toJsonFile(layerEntries(site, siteLayerList)) });
    files.push({ path: `${SITE_DESCRIPTORS_DIR}/${site.name}.json`, content: toJsonFile(siteEntry(site)) });
  }
  return files;
}

/**
 * The fleet dashboards' contributions: per layer in registry order, per id in site order, with the facts of every
 * site that contributes the id united. The code of a contribution (`build`) is taken from the first site that
 * has it (resolved again only for that), so unchanged sites are never resolved.
 */
function fleetDashboards(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[], known: readonly SiteHubFacts[]): DashboardContribution[] {
  const byLayer = new Map<string, Map<string, { site: number; facts: Set<string> }>>(layers.map((l) => [l.name, new Map()]));
  known.forEach((f, i) => {
    for (const d of f.dashboards ?? []) {
      const ids = byLayer.get(d.layer);
      if (!ids) continue;
      const entry = ids.get(d.id) ?? { site: i, facts: new Set<string>() };
      for (const x of d.facts) entry.facts.add(x);
      ids.set(d.id, entry);
    }
  });
  const out: DashboardContribution[] = [];
  for (const [layer, ids] of byLayer) {
    for (const [id, { site, facts }] of ids) {
      const { view } = resolveSite({ site: sites[site].site, file: sites[site].file, catalog }, layers);
      const c = view.layers.find((l) => l.name === layer)?.telemetry.dashboards?.find((d) => d.id === id);
      if (!c) throw new Error(`internal: dashboard ${id} of layer ${layer} vanished from site ${sites[site].site.name}`);
      out.push({ ...c, facts: [...facts] });
    }
  }
  return out;
}

/**
 * `dist/hub/monitoring/monitoring.k8s.yaml`: the Argo CD rules of hub-mode sites and the fleet dashboards of
 * what the monitored sites run (the overview first, then each layer's in registry order).
 */
export function hubMonitoringOutput(
  sites: readonly LoadedSite[],
  catalog: Catalog,
  layers: readonly LayerDefinition[] = LAYERS,
  facts?: readonly SiteHubFacts[],
  serialize: YamlSerializer = toYaml,
): RenderedFile[] {
  const known = factsOf(sites, catalog, layers, facts);
  const rules = hubRuleModules(sites, catalog, layers, known);
  const fleet = resolveHubSettings({ catalog }) ? [fleetOverviewDashboard] : [];
  const dashboards = [...fleet, ...(monitoringTelemetry().dashboards ?? []), ...fleetDashboards(sites, catalog, layers, known)];
  const app = new App({ outdir: 'hub' });
  const chart = new HubMonitoringChart(app, 'hub-monitoring', { rules, dashboards, platform: catalog.platform });
  const objects = chart.toJson();
  return objects.length ? [{ path: HUB_MONITORING_FILE, content: serialize(objects) }] : [];
}

/** The sites that report to the hub (monitoring layer on, the fleet has a hub), as the fleet rules see them. */
export function fleetSites(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[] = LAYERS, facts?: readonly SiteHubFacts[]): FleetSite[] {
  if (!resolveHubSettings({ catalog })) return [];
  const known = factsOf(sites, catalog, layers, facts);
  const out: FleetSite[] = [];
  const order = sites.map((s, i) => ({ s, i })).sort((a, b) => a.s.site.name.localeCompare(b.s.site.name));
  for (const { s, i } of order) {
    const names = known[i].layers;
    if (!names.includes('monitoring')) continue;
    const inference = names.includes('inference');
    out.push({ name: s.site.name, ring: s.site.ring, ...(inference ? { availabilityBudget: 1 - s.site.layers.inference.slo.availabilityTarget } : {}) });
  }
  return out;
}

/** The hub's rule modules: Argo CD applications of hub-mode sites, then the fleet rules. */
export function hubRuleModules(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[] = LAYERS, facts?: readonly SiteHubFacts[]): RuleModule[] {
  const hubSites = sites.filter((s) => s.site.gitops.mode === 'hub').map((s) => s.site);
  const fleet = fleetRules(fleetSites(sites, catalog, layers, facts));
  return [...(hubSites.length ? [hubArgoCdRules(hubSites)] : []), ...(fleet ? [fleet] : [])];
}

export const FLEET_OUTPUTS: readonly FleetOutput[] = [
  (sites, catalog, facts) => hubOutput(sites, catalog, LAYERS, facts),
  (sites, catalog, facts, serialize) => hubMonitoringOutput(sites, catalog, LAYERS, facts, serialize),
];
