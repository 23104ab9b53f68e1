/**
 * What the CI checks with real engines consume, computed in one place for the CI scripts
 * (scripts/ci/monitoring-artifacts.ts) and the jest tests alike:
 * - the rule files Prometheus would load, extracted from the committed dist/ PrometheusRules;
 * - the promtool test files, one per rule "flavour" (sites whose rules are identical share one file: a fleet
 *   of 3,000 sites has a handful of flavours, not 3,000 test files);
 * - the Alertmanager configuration of every site, as rendered into the kube-prometheus-stack values.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { HUB_MONITORING_FILE } from '../../charts/monitoring/hub';
import { hubMonitoringOutput, hubRuleModules } from '../../lib/synth/hub';
import { resolveSite, ResolvedSite } from '../../lib/synth/render';
import { LoadedSite } from '../../lib/model/load';
import { Catalog } from '../../lib/model/site';
import { loadYamlDocs } from '../validate';
import { AlertmanagerConfig } from '../../charts/monitoring/alertmanager';
import { promtoolTestFile, PROMTOOL_TESTS_DIR } from './promtool';
import { exportersOf } from '../../lib/constructs/contribution';
import { Exporter } from '../../lib/constructs/metrics';
import { RuleModule } from '../../lib/constructs/rules';
import { RELEASES } from '../../charts/monitoring/targets';
import { resolveHubSettings } from '../../charts/monitoring/hub-endpoints';
import { HUB_RELEASES, hubAlertmanagerConfig } from '../../charts/monitoring/hub-stack';

/** The key of the hub Alertmanager among the sites' (`alertmanagerConfigs`, `alertmanagerConfigsInDist`). */
export const HUB_ALERTMANAGER = 'hub';

/** File stem of the hub's rule file (dist/hub/monitoring/monitoring.k8s.yaml). */
export const HUB = 'hub';

interface RuleGroupJson {
  readonly name: string;
  readonly rules: readonly Record<string, unknown>[];
}

/** The rule groups of every PrometheusRule among some manifests, in order, as Prometheus loads them. */
function ruleGroupsOf(docs: readonly unknown[]): RuleGroupJson[] {
  const out: RuleGroupJson[] = [];
  for (const d of docs) {
    const o = d as { kind?: string; spec?: { groups?: RuleGroupJson[] } };
    if (o.kind === 'PrometheusRule') out.push(...(o.spec?.groups ?? []));
  }
  return out;
}

/** A plain Prometheus rule file (`groups:`), as promtool and Prometheus read it. */
export function ruleFile(groups: readonly RuleGroupJson[]): string {
  return yaml.dump({ groups }, { noRefs: true, lineWidth: -1 });
}

/**
 * Rule files extracted from dist/: `<site>.yaml` per site with a monitoring layer, `hub.yaml` for the hub.
 * `missing` lists outputs dist/ does not have (e.g. the hub output before it is registered in FLEET_OUTPUTS).
 */
export function extractRuleFiles(distDir: string): { files: Map<string, string>; stems: string[] } {
  const files = new Map<string, string>();
  if (!existsSync(distDir)) return { files, stems: [] };
  for (const entry of readdirSync(distDir).sort()) {
    // dist/<site>/monitoring.k8s.yaml; the hub's sits in dist/hub/monitoring/ (charts/monitoring/chart.ts HUB_MONITORING_FILE).
    const path = entry === HUB ? join(distDir, HUB_MONITORING_FILE) : join(distDir, entry, 'monitoring.k8s.yaml');
    if (!existsSync(path)) continue;
    const groups = ruleGroupsOf(loadYamlDocs(path));
    if (groups.length) files.set(entry, ruleFile(groups));
  }
  return { files, stems: [...files.keys()] };
}

/** The hub rule file rendered in memory (used when dist/ has none, loudly reported by the CI script). */
export function hubRuleFileFromCode(sites: readonly LoadedSite[], catalog: Catalog): string | undefined {
  const rendered = hubMonitoringOutput(sites, catalog);
  const docs = rendered.flatMap((f) => yaml.loadAll(f.content));
  const groups = ruleGroupsOf(docs);
  return groups.length ? ruleFile(groups) : undefined;
}

/** The resolved site when its monitoring layer is active (the only case in which its rules are rendered). */
function monitoredSite(s: LoadedSite, catalog: Catalog): ResolvedSite | undefined {
  const resolved = resolveSite({ site: s.site, file: s.file, catalog });
  return resolved.view.layers.some((l) => l.name === 'monitoring') ? resolved : undefined;
}

/** Exporters whose series the site's Prometheus has: its own series alone when the monitoring layer is off. */
export function siteExporters(s: LoadedSite, catalog: Catalog): Exporter[] {
  return exportersOf(monitoredSite(s, catalog)?.view.layers.map((l) => l.telemetry) ?? []);
}

/** Exporters whose series reach the hub: the hub's Argo CD plus everything the sites remote-write. */
export function hubExporters(sites: readonly LoadedSite[], catalog: Catalog): Exporter[] {
  return [...new Set([Exporter.Prometheus, Exporter.ArgoCd, ...sites.flatMap((s) => siteExporters(s, catalog))])].sort();
}

/** The rule modules the monitoring layer renders at a site (every active layer's, in registry order). */
export function siteRuleModules(s: LoadedSite, catalog: Catalog): RuleModule[] {
  return monitoredSite(s, catalog)?.view.layers.flatMap((l) => l.telemetry.rules ?? []) ?? [];
}

/** Sites grouped by identical rule modules; the first site of each (by name) represents the flavour. */
export interface RuleFlavour {
  readonly representative: string;
  readonly sites: readonly string[];
  readonly modules: readonly RuleModule[];
}

export function ruleFlavours(sites: readonly LoadedSite[], catalog: Catalog): RuleFlavour[] {
  const byKey = new Map<string, { sites: string[]; modules: RuleModule[] }>();
  for (const s of [...sites].sort((a, b) => a.site.name.localeCompare(b.site.name))) {
    const site = s.site;
    if (!monitoredSite(s, catalog)) continue;
    const modules = siteRuleModules(s, catalog);
    const key = JSON.stringify(modules);
    const f = byKey.get(key);
    if (f) f.sites.push(site.name);
    else byKey.set(key, { sites: [site.name], modules });
  }
  return [...byKey.values()].map((f) => ({ representative: f.sites[0], sites: f.sites, modules: f.modules }));
}

/** Every promtool test file (path relative to the repository → content). */
export function promtoolTestFiles(sites: readonly LoadedSite[], catalog: Catalog): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of ruleFlavours(sites, catalog)) {
    const header = `# Rule flavour of: ${f.sites.join(', ')} (identical rules; tested on ${f.representative})\n`;
    out.set(join(PROMTOOL_TESTS_DIR, `${f.representative}.yaml`), header + promtoolTestFile(f.representative, f.modules, catalog.platform));
  }
  const hubModules = hubRuleModules(sites, catalog);
  if (hubModules.length) {
    out.set(join(PROMTOOL_TESTS_DIR, `${HUB}.yaml`), `# Hub rules: Argo CD applications of the hub-mode sites, fleet rules\n` + promtoolTestFile(HUB, hubModules, catalog.platform));
  }
  return out;
}

/**
 * The Alertmanager configuration of each site with a monitoring layer, as rendered into the chart values, and the
 * hub's (key `hub`) when the fleet has a hub.
 */
export function alertmanagerConfigs(sites: readonly LoadedSite[], catalog: Catalog): Map<string, AlertmanagerConfig> {
  const out = new Map<string, AlertmanagerConfig>();
  const hub = resolveHubSettings({ catalog });
  if (hub) out.set(HUB_ALERTMANAGER, hubAlertmanagerConfig(hub.receiver) as unknown as AlertmanagerConfig);
  for (const s of sites) {
    const site = s.site;
    const kps = monitoredSite(s, catalog)?.view.releases.map((r) => r.release).find((r) => r.name === RELEASES.kubePrometheusStack);
    const config = (kps?.values as { alertmanager?: { config?: AlertmanagerConfig } } | undefined)?.alertmanager?.config;
    if (config) out.set(site.name, config);
  }
  return out;
}

/**
 * Alertmanager configurations found in dist/ (Argo CD Applications of the kube-prometheus-stack chart with
 * `helm.valuesObject.alertmanager.config`), keyed by site; empty until the gitops layer renders them.
 */
export function alertmanagerConfigsInDist(distDir: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!existsSync(distDir)) return out;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.yaml')) {
        for (const d of loadYamlDocs(path)) {
          const app = d as {
            kind?: string;
            metadata?: { name?: string };
            spec?: { source?: { chart?: string; helm?: { valuesObject?: { alertmanager?: { config?: unknown } } } } };
          };
          if (app.kind !== 'Application' || app.spec?.source?.chart !== 'kube-prometheus-stack') continue;
          const config = app.spec.source.helm?.valuesObject?.alertmanager?.config;
          // Applications are named <site>-<release> (lib/constructs/helm.ts); the hub's is hub-prometheus.
          const name = String(app.metadata?.name);
          if (config) out.set(name === HUB_RELEASES.prometheus ? HUB_ALERTMANAGER : name.replace(new RegExp(`-${RELEASES.kubePrometheusStack}$`), ''), config);
        }
      }
    }
  };
  walk(distDir);
  return out;
}
