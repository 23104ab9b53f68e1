/**
 * Invariants that must hold for every valid site, not only the three samples: sites that leave each optional
 * section out (what a new user writes first), sites that switch each layer off, and the bench generator's sites.
 *
 * - every object passes the closed-world schema check (Kubernetes 1.28 OpenAPI + pinned CRDs);
 * - every metric an alert or recording rule reads is emitted by an exporter that runs at that site;
 * - every `absent(selector)` in an alert has something at that site that scrapes or probes what it selects
 *   (otherwise the alert fires forever: the OllamaDown defect of issue 11);
 * - a layer that renders no workload contributes no alert (Ollama with no models is off everywhere);
 * - capacity: rendering succeeds (the capacity check throws when the declared requests do not fit).
 */
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { alertsOf, isAlert } from '../../lib/constructs/rules';
import { metricsOf } from '../../lib/constructs/metrics';
import { parseSiteFile } from '../../lib/model/load';
import { Site } from '../../lib/model/schema';
import { syntheticSite } from '../../tools/bench/generate';
import { siteExporters, siteRuleModules } from '../../tools/monitoring/artifacts';
import { checkMetricContract } from '../../tools/monitoring/promql';
import { formatIssue, validateManifests } from '../../tools/validate';
import { buildSite, findAll, K8sObject, repoCatalog } from '../helpers';

type Raw = Record<string, unknown>;

const sample = (name: string): Raw => yaml.load(readFileSync(`sites/${name}.yaml`, 'utf8')) as Raw;

/** A copy of `raw` without the value at `path` (`layers.ollama`). */
function without(raw: Raw, path: string): Raw {
  const copy = structuredClone(raw);
  const keys = path.split('.');
  let node = copy as Raw;
  for (const k of keys.slice(0, -1)) node = node[k] as Raw;
  delete node[keys[keys.length - 1]];
  return copy;
}

function withValue(raw: Raw, path: string, value: unknown): Raw {
  const copy = structuredClone(raw);
  const keys = path.split('.');
  let node = copy as Raw;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Raw;
  node[keys[keys.length - 1]] = value;
  return copy;
}

const parse = (raw: Raw): Site => parseSiteFile(`sites/${String(raw.name)}.yaml`, JSON.stringify(raw)).site;

const FF = sample('factory-floor');
const OPTIONAL = ['region', 'k3sVersion', 'layers', 'gitops', 'layers.inference', 'layers.ollama', 'layers.monitoring', 'layers.mesh', 'layers.falco', 'layers.policies'];
const VARIANTS: [string, Raw][] = [
  ...OPTIONAL.map((p): [string, Raw] => [`factory-floor without ${p}`, without(FF, p)]),
  ['factory-floor without any optional section', OPTIONAL.filter((p) => !p.includes('.')).reduce(without, FF)],
  ['factory-floor with Ollama on but no models', withValue(withValue(FF, 'layers.ollama.models', []), 'layers.ollama.customModels', [])],
  ['factory-floor with inference off', withValue(FF, 'layers.inference', { enabled: false })],
  ['factory-floor with monitoring off', withValue(FF, 'layers.monitoring', { enabled: false })],
  ['factory-floor in pull mode', withValue(FF, 'gitops', { mode: 'pull' })],
  ['single Raspberry Pi, defaults only', { name: 'kiosk', location: 'Kiosk', ring: 1, nodes: [{ name: 'kiosk-1', ip: '192.168.7.10', arch: 'arm64', cpuCores: 4, memoryGiB: 4 }] }],
  [
    'single Raspberry Pi with admission policies',
    { name: 'kiosk', location: 'Kiosk', ring: 1, nodes: [{ name: 'kiosk-1', ip: '192.168.7.10', arch: 'arm64', cpuCores: 4, memoryGiB: 4 }], layers: { policies: { enabled: true } } },
  ],
  ...[0, 1, 2, 3, 4, 5, 6, 10].map((i): [string, Raw] => [`bench site ${i}`, syntheticSite(i) as Raw]),
];

/** The label sets that the site's monitors and probes produce: `job` and `namespace` (undefined = any). */
function scrapeSources(objects: readonly K8sObject[]): { job?: string; namespace?: string }[] {
  const services = findAll(objects, 'Service');
  const sources: { job?: string; namespace?: string }[] = [];
  for (const p of findAll(objects, 'Probe')) sources.push({ job: p.spec.jobName ?? `probe/${p.metadata.namespace}/${p.metadata.name}` });
  for (const m of [...findAll(objects, 'ServiceMonitor'), ...findAll(objects, 'PodMonitor')]) {
    const namespaces: string[] = m.spec.namespaceSelector?.matchNames ?? [m.metadata.namespace];
    for (const ns of namespaces) {
      if (m.kind === 'PodMonitor') {
        sources.push({ job: m.spec.jobLabel ? undefined : `${m.metadata.namespace}/${m.metadata.name}`, namespace: ns });
        continue;
      }
      const selector: Record<string, string> = m.spec.selector?.matchLabels ?? {};
      for (const s of services.filter((svc) => svc.metadata.namespace === ns && Object.entries(selector).every(([k, v]) => svc.metadata.labels?.[k] === v))) {
        sources.push({ job: m.spec.jobLabel ? s.metadata.labels?.[m.spec.jobLabel] : s.metadata.name, namespace: ns });
      }
    }
  }
  return sources;
}

/** `absent(metric{l="v",…})` selectors of an expression, as label maps (job and namespace are what we can check). */
function absentSelectors(expr: string): Record<string, string>[] {
  return [...expr.matchAll(/absent\(\s*[a-zA-Z_:][\w:]*\s*\{([^}]*)\}\s*\)/g)].map((m) => Object.fromEntries([...m[1].matchAll(/(\w+)\s*=\s*"([^"]*)"/g)].map((x) => [x[1], x[2]])));
}

describe.each(VARIANTS)('%s', (_name, raw) => {
  const site = parse(raw);
  const built = buildSite(site);
  const rules = findAll(built.all, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: { rules: { alert?: string; record?: string; expr: string }[] }) => g.rules));
  const alerts = rules.filter((r) => r.alert);

  it('renders objects that pass the closed-world schema check', () => {
    expect(built.all.length).toBeGreaterThan(0);
    expect(validateManifests(built.all).map(formatIssue)).toEqual([]);
  });

  it('reads only metrics that an exporter at this site emits', () => {
    const modules = siteRuleModules({ site, file: `sites/${site.name}.yaml` }, repoCatalog());
    const expressions = modules.flatMap((m) => m.groups.flatMap((g) => g.rules.map((r) => ({ where: `${m.name}/${isAlert(r) ? r.alert : r.record}`, expr: r.expr, records: isAlert(r) ? undefined : r.record }))));
    expect(checkMetricContract(expressions, metricsOf(siteExporters({ site, file: `sites/${site.name}.yaml` }, repoCatalog())))).toEqual([]);
    // What the modules say is what the site renders.
    expect(modules.flatMap((m) => m.groups.flatMap((g) => alertsOf({ groups: [g] }).map((a) => a.alert))).sort()).toEqual(alerts.map((a) => a.alert).sort());
  });

  it('has a scrape or probe for every absent() an alert uses', () => {
    const sources = scrapeSources(built.all);
    const blind = alerts.flatMap((a) =>
      absentSelectors(a.expr)
        .filter((sel) => !sources.some((s) => (sel.job === undefined || s.job === undefined || s.job === sel.job) && (sel.namespace === undefined || s.namespace === undefined || s.namespace === sel.namespace)))
        .map((sel) => `${a.alert}: ${JSON.stringify(sel)}`),
    );
    expect(blind).toEqual([]);
  });

  it('alerts on a layer only where that layer runs a workload', () => {
    const runs = (ns: string) => built.all.some((o) => ['Deployment', 'StatefulSet', 'Rollout'].includes(o.kind) && o.metadata.namespace === ns);
    const layerAlerts = (layer: string) => alerts.filter((a) => (a as { labels?: { layer?: string } }).labels?.layer === layer).map((a) => a.alert);
    for (const layer of ['inference', 'ollama']) {
      if (!runs(layer)) expect({ layer, alerts: layerAlerts(layer) }).toEqual({ layer, alerts: [] });
    }
  });
});

describe('the variants cover what they claim', () => {
  it('a site without the ollama section renders no Ollama workload and no Ollama alert', () => {
    const built = buildSite(parse(without(FF, 'layers.ollama')));
    expect(built.all.filter((o) => o.metadata.namespace === 'ollama')).toEqual([]);
    const alerts = findAll(built.all, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.map((x) => x.alert)));
    expect(alerts.filter((a) => a?.startsWith('Ollama'))).toEqual([]);
    expect(alerts.length).toBeGreaterThan(0);
  });

  it('the absent() check sees the Ollama probe at a site that runs Ollama', () => {
    const built = buildSite(parse(FF));
    expect(scrapeSources(built.all)).toEqual(expect.arrayContaining([{ job: 'ollama' }]));
    expect(absentSelectors('x == 0\nor\nabsent(probe_success{job="ollama", module="http_2xx"})')).toEqual([{ job: 'ollama', module: 'http_2xx' }]);
  });
});
