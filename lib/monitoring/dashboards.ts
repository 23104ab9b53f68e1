/**
 * Grafana dashboards as code (Grafana Foundation SDK builders), one per concern: site overview, inference,
 * Ollama. Two scopes (docs/decisions/0012-dashboards-location.md):
 * - `site`: for a site that runs its own Grafana (`layers.monitoring.grafana`), querying the local
 *   Prometheus through Grafana's default datasource; only the dashboards of the layers the site runs;
 * - `fleet`: for the hub Grafana over the central store the sites remote-write to; every query is filtered
 *   by the `site` external label through a `$site` variable.
 *
 * UIDs and panel ids are derived from the dashboard id, never random, so links and Argo CD diffs stay stable.
 * Queries use the recording rules of lib/monitoring/rules (cheap on a Pi, identical for both runtimes) and
 * raw exporter series otherwise; the metric-contract test checks every one of them.
 */
import { DashboardBuilder, DatasourceVariableBuilder, QueryVariableBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { INFERENCE_METRICS } from '../../server/src/metrics';
import { OLLAMA_PROBE_JOB } from '../telemetry';
import { RECORDED } from './rules/inference';
import { INFERENCE_NAMESPACE, OLLAMA_NAMESPACE } from './targets';

export enum DashboardScope {
  /** One site's Grafana over its own Prometheus. */
  Site = 'site',
  /** The hub Grafana over the fleet's remote-written series. */
  Fleet = 'fleet',
}

export enum DashboardId {
  SiteOverview = 'site-overview',
  Inference = 'inference',
  Ollama = 'ollama',
}

/** What the dashboards must cover: the layers and runtimes present (at a site, or anywhere in the fleet). */
export interface DashboardCoverage {
  readonly inference: boolean;
  readonly ollama: boolean;
  /** Runtimes whose latency panel is needed: the server's p95 (histogram) and/or Triton's mean. */
  readonly runtimes: readonly ('onnx' | 'triton')[];
}

/** Grafana caps UIDs at 40 characters. */
const UID_MAX = 40;

/** `edge-ai-<id>` for a site, `edge-ai-fleet-<id>` for the hub. */
export function dashboardUid(id: DashboardId, scope: DashboardScope): string {
  const uid = scope === DashboardScope.Site ? `edge-ai-${id}` : `edge-ai-fleet-${id}`;
  if (uid.length > UID_MAX || !/^[a-z0-9-]+$/.test(uid)) throw new Error(`dashboard uid "${uid}" is not a valid Grafana uid (a-z, 0-9, "-", at most ${UID_MAX} characters): shorten the id`);
  return uid;
}

/** kube-prometheus-stack's sidecar datasource uid at a site; the fleet dashboards pick a datasource instead. */
const SITE_DATASOURCE: DataSourceRef = { type: 'prometheus', uid: 'prometheus' };
const FLEET_DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

class Layout {
  private y = 0;
  private x = 0;
  private nextId = 1;
  constructor(readonly scope: DashboardScope) {}

  get datasource(): DataSourceRef {
    return this.scope === DashboardScope.Site ? SITE_DATASOURCE : FLEET_DATASOURCE;
  }

  /** Adds `site=~"$site"` to the matchers of a selector in fleet scope. */
  sel(metric: string, matchers = ''): string {
    const all = [matchers, this.scope === DashboardScope.Fleet ? 'site=~"$site"' : ''].filter(Boolean).join(', ');
    return all ? `${metric}{${all}}` : metric;
  }

  /** Legend with the site in front in fleet scope. */
  legend(format: string): string {
    return this.scope === DashboardScope.Fleet ? `{{site}} ${format}` : format;
  }

  /** Places panels left to right in rows of 24 columns. */
  place(w: number, h: number): { id: number; gridPos: { x: number; y: number; w: number; h: number } } {
    if (this.x + w > 24) {
      this.x = 0;
      this.y += h;
    }
    const pos = { id: this.nextId++, gridPos: { x: this.x, y: this.y, w, h } };
    this.x += w;
    return pos;
  }

  row(title: string): RowBuilder {
    if (this.x > 0) {
      this.x = 0;
      this.y += 8;
    }
    const id = this.nextId++;
    const row = new RowBuilder(title).id(id).gridPos({ x: 0, y: this.y, w: 24, h: 1 });
    this.y += 1;
    return row;
  }

  timeseries(title: string, description: string, unit: string, targets: readonly { expr: string; legend: string }[]): TimeseriesPanelBuilder {
    const { id, gridPos } = this.place(12, 8);
    const panel = new TimeseriesPanelBuilder().id(id).gridPos(gridPos).title(title).description(description).unit(unit).datasource(this.datasource);
    targets.forEach((t, i) => panel.withTarget(new DataqueryBuilder().refId(String.fromCharCode(65 + i)).expr(t.expr).legendFormat(t.legend)));
    return panel;
  }

  stat(title: string, description: string, unit: string, expr: string, legend: string): StatPanelBuilder {
    const { id, gridPos } = this.place(6, 4);
    return new StatPanelBuilder()
      .id(id)
      .gridPos(gridPos)
      .title(title)
      .description(description)
      .unit(unit)
      .datasource(this.datasource)
      .withTarget(new DataqueryBuilder().refId('A').expr(expr).legendFormat(legend).instant());
  }
}

function base(id: DashboardId, title: string, scope: DashboardScope): DashboardBuilder {
  const d = new DashboardBuilder(scope === DashboardScope.Site ? title : `Fleet: ${title}`)
    .uid(dashboardUid(id, scope))
    .tags(['edge-ai', scope, id])
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .readonly();
  if (scope === DashboardScope.Fleet) {
    d.withVariable(new DatasourceVariableBuilder('datasource').label('Datasource').type('prometheus'));
    d.withVariable(new QueryVariableBuilder('site').label('Site').query('label_values(up, site)').datasource(FLEET_DATASOURCE).multi(true).includeAll(true).allValue('.+'));
  }
  return d;
}

function siteOverview(scope: DashboardScope): DashboardBuilder {
  const l = new Layout(scope);
  const d = base(DashboardId.SiteOverview, 'Edge site overview', scope);
  d.withPanel(l.stat('Firing alerts', 'Alerts firing now, all severities.', 'none', `count(${l.sel('ALERTS', 'alertstate="firing"')}) or vector(0)`, 'firing'));
  d.withPanel(l.stat('Nodes Ready', 'Nodes whose kubelet reports Ready.', 'none', `sum(${l.sel('kube_node_status_condition', 'condition="Ready", status="true"')})`, 'ready'));
  d.withPanel(l.stat('Targets down', 'Scrape targets Prometheus cannot reach.', 'none', `count(${l.sel('up')} == 0) or vector(0)`, 'down'));
  d.withRow(l.row('Nodes'));
  d.withPanel(
    l.timeseries('Node CPU usage', 'Share of CPU time not idle, per node (node-exporter).', 'percentunit', [
      { expr: `1 - avg by (${scope === DashboardScope.Fleet ? 'site, ' : ''}instance) (rate(${l.sel('node_cpu_seconds_total', 'mode="idle"')}[$__rate_interval]))`, legend: l.legend('{{instance}}') },
    ]),
  );
  d.withPanel(
    l.timeseries('Node memory usage', 'Share of memory not available to new allocations, per node (node-exporter MemAvailable).', 'percentunit', [
      { expr: `1 - ${l.sel('node_memory_MemAvailable_bytes')} / ${l.sel('node_memory_MemTotal_bytes')}`, legend: l.legend('{{instance}}') },
    ]),
  );
  d.withPanel(
    l.timeseries('Firing alerts by name', 'Which alerts fire, by severity.', 'none', [
      { expr: `sum by (${scope === DashboardScope.Fleet ? 'site, ' : ''}alertname, severity) (${l.sel('ALERTS', 'alertstate="firing"')})`, legend: l.legend('{{alertname}} ({{severity}})') },
    ]),
  );
  d.withPanel(
    l.timeseries('Container memory by namespace', 'Working set of all containers per namespace (cAdvisor).', 'bytes', [
      { expr: `sum by (${scope === DashboardScope.Fleet ? 'site, ' : ''}namespace) (${l.sel('container_memory_working_set_bytes', 'container!="", container!="POD"')})`, legend: l.legend('{{namespace}}') },
    ]),
  );
  return d;
}

function inference(scope: DashboardScope, coverage: DashboardCoverage): DashboardBuilder {
  const l = new Layout(scope);
  const d = base(DashboardId.Inference, 'Inference', scope);
  const by = scope === DashboardScope.Fleet ? 'site, model' : 'model';
  d.withPanel(l.timeseries('Requests per second', 'Inference requests per second by model (all answers; recording rule).', 'reqps', [{ expr: `sum by (${by}) (${l.sel(RECORDED.requestRate)})`, legend: l.legend('{{model}}') }]));
  d.withPanel(
    l.timeseries('Error ratio (5xx)', 'Share of valid requests (4xx excluded) answered 5xx over 5 minutes: what the availability SLO burns.', 'percentunit', [
      { expr: `max by (${by}) (${l.sel(RECORDED.errorRatio('5m'))})`, legend: l.legend('{{model}}') },
    ]),
  );
  const latency: { expr: string; legend: string }[] = [];
  if (coverage.runtimes.includes('onnx')) latency.push({ expr: `max by (${by}) (${l.sel(RECORDED.p95)})`, legend: l.legend('{{model}} p95') });
  if (coverage.runtimes.includes('triton')) latency.push({ expr: `max by (${by}) (${l.sel(RECORDED.mean)})`, legend: l.legend('{{model}} mean (Triton)') });
  d.withPanel(l.timeseries('Latency', 'p95 from the server histogram; Triton reports only a mean. Compare with layers.inference.slo.latencyP95Seconds.', 's', latency));
  if (coverage.runtimes.includes('onnx')) {
    d.withPanel(
      l.timeseries('Model accuracy', 'Accuracy on the model\'s evaluation set, measured at load; the alert fires below the minimum of model.json.', 'percentunit', [
        { expr: `min by (${by}, version) (${l.sel(INFERENCE_METRICS.accuracy.name)})`, legend: l.legend('{{model}} {{version}}') },
        { expr: `max by (${by}, version) (${l.sel(INFERENCE_METRICS.minimumAccuracy.name)})`, legend: l.legend('{{model}} {{version}} minimum') },
      ]),
    );
  }
  d.withPanel(
    l.timeseries('Pod restarts', 'Container restarts in the inference namespace over 1 hour.', 'none', [
      { expr: `sum by (${scope === DashboardScope.Fleet ? 'site, ' : ''}pod) (increase(${l.sel('kube_pod_container_status_restarts_total', `namespace="${INFERENCE_NAMESPACE}"`)}[1h]))`, legend: l.legend('{{pod}}') },
    ]),
  );
  return d;
}

function ollama(scope: DashboardScope): DashboardBuilder {
  const l = new Layout(scope);
  const d = base(DashboardId.Ollama, 'Ollama', scope);
  const probe = `job="${OLLAMA_PROBE_JOB}"`;
  d.withPanel(l.timeseries('Probe success', 'Blackbox probe of /api/version: 1 = answered 2xx (Ollama has no /metrics).', 'none', [{ expr: l.sel('probe_success', probe), legend: l.legend('up') }]));
  d.withPanel(l.timeseries('Probe latency', 'Duration of the /api/version probe; spikes while a model loads.', 's', [{ expr: l.sel('probe_duration_seconds', probe), legend: l.legend('probe') }]));
  const containers = `namespace="${OLLAMA_NAMESPACE}", container!="", container!="POD"`;
  d.withPanel(
    l.timeseries('Memory vs limit', 'Working set (cAdvisor) against the container memory limit (kube-state-metrics).', 'bytes', [
      { expr: `max by (${scope === DashboardScope.Fleet ? 'site, ' : ''}pod, container) (${l.sel('container_memory_working_set_bytes', containers)})`, legend: l.legend('{{container}} working set') },
      { expr: `max by (${scope === DashboardScope.Fleet ? 'site, ' : ''}pod, container) (${l.sel('kube_pod_container_resource_limits', `namespace="${OLLAMA_NAMESPACE}", resource="memory"`)})`, legend: l.legend('{{container}} limit') },
    ]),
  );
  d.withPanel(
    l.timeseries('CPU', 'CPU cores used by the Ollama containers.', 'none', [
      { expr: `sum by (${scope === DashboardScope.Fleet ? 'site, ' : ''}container) (rate(${l.sel('container_cpu_usage_seconds_total', containers)}[$__rate_interval]))`, legend: l.legend('{{container}}') },
    ]),
  );
  return d;
}

/** A rendered dashboard: id plus the JSON model Grafana loads. */
export interface Dashboard {
  readonly id: DashboardId;
  readonly uid: string;
  readonly json: Record<string, unknown>;
}

/** The dashboards of a scope, only for what is covered (no Ollama dashboard where no site runs Ollama). */
export function dashboards(scope: DashboardScope, coverage: DashboardCoverage): Dashboard[] {
  const builders: [DashboardId, DashboardBuilder][] = [[DashboardId.SiteOverview, siteOverview(scope)]];
  if (coverage.inference) builders.push([DashboardId.Inference, inference(scope, coverage)]);
  if (coverage.ollama) builders.push([DashboardId.Ollama, ollama(scope)]);
  return builders.map(([id, b]) => ({ id, uid: dashboardUid(id, scope), json: JSON.parse(JSON.stringify(b.build())) as Record<string, unknown> }));
}
