/**
 * Outputs rendered once for the whole fleet (full runs only): `dist/hub/` for the central Argo CD and the hub
 * monitoring. Each site's layers are resolved by the same function as its own render, so the hub describes
 * exactly the Applications, rules and dashboards the sites have.
 */
import { App } from 'cdk8s';
import { HUB_DIR, LAYER_DESCRIPTORS_DIR, SITE_DESCRIPTORS_DIR } from '../../charts/gitops/applicationset';
import { HubApplicationSetsChart, HubProjectsChart, HubSite, HubTelemetryChart } from '../../charts/gitops/hub';
import { hubArgoCdRules } from '../../charts/gitops/rules';
import { layerEntries, siteEntry, siteLayers } from '../../charts/gitops/site';
import { HUB_MONITORING_FILE, HubMonitoringChart } from '../../charts/monitoring/hub';
import { monitoringTelemetry } from '../../charts/monitoring';
import { fleetOverviewDashboard } from '../../charts/monitoring/fleet-dashboard';
import { FleetSite, fleetRules } from '../../charts/monitoring/fleet-rules';
import { hubReleases } from '../../charts/monitoring/hub-stack';
import { resolveHubSettings } from '../../charts/monitoring/hub-endpoints';
import { RuleModule } from '../constructs/rules';
import { DashboardContribution } from '../constructs/dashboard';
import { LayerDefinition } from '../constructs/layer';
import { LoadedSite } from '../model/load';
import { Catalog } from '../model/site';
import { LAYERS } from './registry';
import { RenderedFile, resolveSite } from './render';
import { toYaml } from './yaml';

/** Outputs rendered once for the whole fleet (e.g. `hub/` for the central Argo CD), not per site. */
export type FleetOutput = (sites: readonly LoadedSite[], catalog: Catalog) => RenderedFile[];

function toJsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `dist/hub/`: two YAML files plus two small JSON files per hub-mode site (read by the ApplicationSets' Git generators). */
export function hubOutput(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[] = LAYERS): RenderedFile[] {
  const hubSites: HubSite[] = sites
    .filter((s) => s.site.gitops.mode === 'hub')
    .map((s) => ({ site: s.site, layers: siteLayers(s.site, resolveSite({ site: s.site, file: s.file, catalog }, layers).view) }));
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
 * `dist/hub/monitoring/monitoring.k8s.yaml`: the Argo CD rules of hub-mode sites and the fleet dashboards of
 * what the monitored sites run (the overview first, then each layer's in registry order).
 */
export function hubMonitoringOutput(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[] = LAYERS): RenderedFile[] {
  const rules = hubRuleModules(sites, catalog, layers);
  const byLayer = new Map<string, DashboardContribution[]>(layers.map((l) => [l.name, []]));
  for (const s of sites) {
    const { view } = resolveSite({ site: s.site, file: s.file, catalog }, layers);
    if (!view.layers.some((l) => l.name === 'monitoring')) continue;
    for (const l of view.layers) byLayer.get(l.name)?.push(...(l.telemetry.dashboards ?? []));
  }
  const fleet = resolveHubSettings({ catalog }) ? [fleetOverviewDashboard] : [];
  const dashboards = [...fleet, ...(monitoringTelemetry().dashboards ?? []), ...[...byLayer.values()].flat()];
  const app = new App({ outdir: 'hub' });
  const chart = new HubMonitoringChart(app, 'hub-monitoring', { rules, dashboards });
  const objects = chart.toJson();
  return objects.length ? [{ path: HUB_MONITORING_FILE, content: toYaml(objects) }] : [];
}

/** The sites that report to the hub (monitoring layer on, the fleet has a hub), as the fleet rules see them. */
export function fleetSites(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[] = LAYERS): FleetSite[] {
  if (!resolveHubSettings({ catalog })) return [];
  const out: FleetSite[] = [];
  for (const s of [...sites].sort((a, b) => a.site.name.localeCompare(b.site.name))) {
    const names = resolveSite({ site: s.site, file: s.file, catalog }, layers).view.layers.map((l) => l.name);
    if (!names.includes('monitoring')) continue;
    const inference = names.includes('inference');
    out.push({ name: s.site.name, ring: s.site.ring, ...(inference ? { availabilityBudget: 1 - s.site.layers.inference.slo.availabilityTarget } : {}) });
  }
  return out;
}

/** The hub's rule modules: Argo CD applications of hub-mode sites, then the fleet rules. */
export function hubRuleModules(sites: readonly LoadedSite[], catalog: Catalog, layers: readonly LayerDefinition[] = LAYERS): RuleModule[] {
  const hubSites = sites.filter((s) => s.site.gitops.mode === 'hub').map((s) => s.site);
  const fleet = fleetRules(fleetSites(sites, catalog, layers));
  return [...(hubSites.length ? [hubArgoCdRules(hubSites)] : []), ...(fleet ? [fleet] : [])];
}

export const FLEET_OUTPUTS: readonly FleetOutput[] = [(sites, catalog) => hubOutput(sites, catalog), (sites, catalog) => hubMonitoringOutput(sites, catalog)];
