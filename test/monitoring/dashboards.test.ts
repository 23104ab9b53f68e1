/**
 * Dashboards as code: stable UIDs derived from ids, ConfigMaps the Grafana sidecar loads (server-side
 * applied), per-site only where Grafana runs and only for the layers present, the fleet set for the hub, and
 * the panels the issue asks for — each reading only catalogue metrics (checked in metric-contract.test.ts).
 */
import { inferenceDashboard } from '../../charts/inference/dashboard';
import { siteOverviewDashboard } from '../../charts/monitoring/dashboards';
import { ollamaDashboard } from '../../charts/ollama/dashboard';
import { buildDashboards, DashboardContribution, DashboardScope, dashboardUid } from '../../lib/constructs/dashboard';
import { collectExpressions } from '../../tools/monitoring/promql';
import { formatIssue, validateManifests } from '../../tools/validate';
import { findAll, K8sObject } from '../helpers';
import { hubObjects, monitoringObjects, sampleSite } from './support';

const FULL: DashboardContribution[] = [siteOverviewDashboard, inferenceDashboard('onnx'), ollamaDashboard];
const dashboards = buildDashboards;

function panelTitles(cm: K8sObject): string[] {
  const json = JSON.parse(Object.values(cm.data as Record<string, string>)[0]) as { panels: { title: string }[] };
  return json.panels.map((p) => p.title);
}

describe('dashboards', () => {
  it('merge the facts of every site into one fleet dashboard per id (the union of the runtimes)', () => {
    const [merged] = dashboards(DashboardScope.Fleet, [inferenceDashboard('triton'), inferenceDashboard('onnx'), inferenceDashboard('onnx')]);
    const titles = (merged.json as { panels: { title: string; targets: { legendFormat: string }[] }[] }).panels;
    expect(titles.map((p) => p.title)).toContain('Model accuracy');
    expect(titles.find((p) => p.title === 'Latency')?.targets.map((t) => t.legendFormat)).toEqual(['{{site}} {{model}} p95', '{{site}} {{model}} mean (Triton)']);
  });

  it('link slow latency buckets to traces: a per-version p95 from the raw histogram with exemplars on (onnx only)', () => {
    type Panel = { title: string; targets: { expr: string; exemplar?: boolean }[] };
    const panels = (scope: DashboardScope, runtime: string): Panel[] => (dashboards(scope, [inferenceDashboard(runtime)])[0].json as { panels: Panel[] }).panels;
    for (const scope of [DashboardScope.Site, DashboardScope.Fleet]) {
      const panel = panels(scope, 'onnx').find((p) => p.title === 'Latency by version (exemplars → traces)');
      expect(panel?.targets).toHaveLength(1);
      expect(panel?.targets[0].exemplar).toBe(true);
      expect(panel?.targets[0].expr).toMatch(/^histogram_quantile\(0\.95, sum by \((site, )?model, version, le\) \(rate\(inference_duration_seconds_bucket\{/);
    }
    expect(panels(DashboardScope.Site, 'triton').some((p) => p.title.startsWith('Latency by version'))).toBe(false);
    expect(panels(DashboardScope.Site, 'onnx').filter((p) => p.targets.some((t) => t.exemplar)).map((p) => p.title)).toEqual(['Latency by version (exemplars → traces)']);
  });

  it('derive UIDs from ids, identically on every render, and keep them within Grafana\'s 40 characters', () => {
    const a = dashboards(DashboardScope.Site, FULL);
    const b = dashboards(DashboardScope.Site, FULL);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.map((d) => d.uid)).toEqual(['edge-ai-site-overview', 'edge-ai-inference', 'edge-ai-ollama']);
    expect(dashboards(DashboardScope.Fleet, FULL).map((d) => d.uid)).toEqual(['edge-ai-fleet-site-overview', 'edge-ai-fleet-inference', 'edge-ai-fleet-ollama']);
    for (const d of a) expect((d.json as { uid: string }).uid).toBe(d.uid);
    expect(() => dashboardUid('x'.repeat(40), DashboardScope.Site)).toThrow(/at most 40 characters/);
  });

  it('give every panel a stable id and a position', () => {
    for (const d of dashboards(DashboardScope.Fleet, FULL)) {
      const panels = (d.json as { panels: { id: number; gridPos: unknown }[] }).panels;
      expect(panels.map((p) => p.id)).toEqual(panels.map((_, i) => i + 1));
      for (const p of panels) expect(p.gridPos).toEqual(expect.objectContaining({ w: expect.any(Number), h: expect.any(Number) }));
    }
  });

  it('ship as ConfigMaps labelled for the Grafana sidecar and applied server-side, at a site with Grafana', () => {
    const cms = findAll(monitoringObjects(sampleSite('factory-floor')), 'ConfigMap');
    expect(cms.map((c) => c.metadata.name)).toEqual(['grafana-dashboard-site-overview', 'grafana-dashboard-inference', 'grafana-dashboard-ollama', 'grafana-dashboard-mesh', 'grafana-dashboard-falco', 'grafana-dashboard-policies']);
    for (const cm of cms) {
      expect(cm.metadata.namespace).toBe('monitoring');
      expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
      expect(cm.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('ServerSideApply=true');
      expect(Object.keys(cm.data)).toEqual([`${cm.metadata.name.replace('grafana-dashboard-', '')}.json`]);
    }
  });

  it('are not rendered at sites without Grafana (their series reach the hub dashboards)', () => {
    expect(findAll(monitoringObjects(sampleSite('warehouse')), 'ConfigMap')).toEqual([]);
    expect(findAll(monitoringObjects(sampleSite('office')), 'ConfigMap')).toEqual([]);
  });

  it('cover only the layers present: no Ollama dashboard without Ollama, no accuracy panel for Triton', () => {
    const configMaps = (site: Parameters<typeof monitoringObjects>[0]) => findAll(monitoringObjects(site), 'ConfigMap').map((c) => c.metadata.name);
    const noOllama = sampleSite('factory-floor');
    expect(configMaps({ ...noOllama, layers: { ...noOllama.layers, ollama: { ...noOllama.layers.ollama, enabled: false }, mesh: undefined } })).toEqual([
      'grafana-dashboard-site-overview',
      'grafana-dashboard-inference',
      'grafana-dashboard-falco',
      'grafana-dashboard-policies',
    ]);
    const triton = dashboards(DashboardScope.Site, [inferenceDashboard('triton')])[0].json as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(triton.panels.map((p) => p.title)).not.toContain('Model accuracy');
    expect(triton.panels.find((p) => p.title === 'Latency')?.targets.map((t) => t.expr)).toEqual(['max by (model) (model:inference_duration_seconds:mean_rate5m)']);
  });

  it('have the panels the issue asks for: RPS, error ratio, p95, accuracy, Ollama probe success and latency, node CPU/memory', () => {
    const titles = findAll(monitoringObjects(sampleSite('factory-floor')), 'ConfigMap').flatMap(panelTitles);
    expect(titles).toEqual(
      expect.arrayContaining(['Requests per second', 'Error ratio (5xx)', 'Latency', 'Model accuracy', 'Probe success', 'Probe latency', 'Node CPU usage', 'Node memory usage']),
    );
  });

  it('the hub output (fleet dashboards, Argo CD rules) validates strictly against Kubernetes and the CRDs', () => {
    expect(validateManifests(hubObjects()).map(formatIssue)).toEqual([]);
  });

  it('for the hub: every query is filtered by the $site variable, and a datasource can be picked', () => {
    const hub = findAll(hubObjects(), 'ConfigMap');
    expect(hub.map((c) => c.metadata.name)).toEqual([
      'grafana-dashboard-fleet-fleet-overview',
      'grafana-dashboard-fleet-site-overview',
      'grafana-dashboard-fleet-inference',
      'grafana-dashboard-fleet-ollama',
      'grafana-dashboard-fleet-mesh',
      'grafana-dashboard-fleet-falco',
      'grafana-dashboard-fleet-policies',
    ]);
    const exprs = collectExpressions(hub);
    expect(exprs.length).toBeGreaterThan(10);
    for (const cm of hub) {
      const json = JSON.parse(Object.values(cm.data as Record<string, string>)[0]) as { templating: { list: { name: string }[] }; panels: { targets?: { expr: string }[] }[] };
      expect(json.templating.list.map((v) => v.name)).toEqual(['datasource', 'site']);
      for (const p of json.panels) for (const t of p.targets ?? []) expect(t.expr).toContain('site=~"$site"');
    }
  });
});
