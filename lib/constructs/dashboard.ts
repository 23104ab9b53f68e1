/**
 * Grafana dashboards as code (Grafana Foundation SDK builders): the shared layout and the contract by which a
 * layer contributes its dashboard. Two scopes (docs/decisions/0012-dashboards-location.md):
 * - `site`: for a site that runs its own Grafana (`layers.monitoring.grafana`), querying the local
 *   Prometheus through Grafana's default datasource; only the dashboards of the layers the site runs;
 * - `fleet`: for the hub Grafana over the central store the sites remote-write to; every query is filtered
 *   by the `site` external label through a `$site` variable.
 *
 * UIDs and panel ids are derived from the dashboard id, never random, so links and Argo CD diffs stay stable.
 * The metric-contract test checks every query against the exporters of the layers that contribute it.
 */
import { DashboardBuilder, DatasourceVariableBuilder, QueryVariableBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

export enum DashboardScope {
  /** One site's Grafana over its own Prometheus. */
  Site = 'site',
  /** The hub Grafana over the fleet's remote-written series. */
  Fleet = 'fleet',
}

/** Grafana caps UIDs at 40 characters. */
const UID_MAX = 40;

/** `edge-ai-<id>` for a site, `edge-ai-fleet-<id>` for the hub. */
export function dashboardUid(id: string, scope: DashboardScope): string {
  const uid = scope === DashboardScope.Site ? `edge-ai-${id}` : `edge-ai-fleet-${id}`;
  if (uid.length > UID_MAX || !/^[a-z0-9-]+$/.test(uid)) throw new Error(`dashboard uid "${uid}" is not a valid Grafana uid (a-z, 0-9, "-", at most ${UID_MAX} characters): shorten the id`);
  return uid;
}

/** kube-prometheus-stack's sidecar datasource uid at a site; the fleet dashboards pick a datasource instead. */
const SITE_DATASOURCE: DataSourceRef = { type: 'prometheus', uid: 'prometheus' };
const FLEET_DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export class Layout {
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

  /** `exemplar`: Grafana also queries the exemplars of the series (trace ids on the histogram buckets). */
  timeseries(title: string, description: string, unit: string, targets: readonly { expr: string; legend: string; exemplar?: boolean }[]): TimeseriesPanelBuilder {
    const { id, gridPos } = this.place(12, 8);
    const panel = new TimeseriesPanelBuilder().id(id).gridPos(gridPos).title(title).description(description).unit(unit).datasource(this.datasource);
    targets.forEach((t, i) => {
      const query = new DataqueryBuilder().refId(String.fromCharCode(65 + i)).expr(t.expr).legendFormat(t.legend);
      panel.withTarget(t.exemplar ? query.exemplar(true) : query);
    });
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

export function dashboardBase(id: string, title: string, scope: DashboardScope): DashboardBuilder {
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


/** A rendered dashboard: id plus the JSON model Grafana loads. */
export interface Dashboard {
  readonly id: string;
  readonly uid: string;
  readonly json: Record<string, unknown>;
}

/**
 * A layer's dashboard. `facts` are what varies between sites (e.g. the inference runtime); the fleet dashboard
 * is built once from the union of the facts of every site that contributes it.
 */
export interface DashboardContribution {
  readonly id: string;
  /** @default none */
  readonly facts?: readonly string[];
  readonly build: (scope: DashboardScope, facts: readonly string[]) => DashboardBuilder;
}

/** Builds contributions into dashboards; contributions with the same id are merged (facts united, sorted). */
export function buildDashboards(scope: DashboardScope, contributions: readonly DashboardContribution[]): Dashboard[] {
  const byId = new Map<string, { c: DashboardContribution; facts: Set<string> }>();
  for (const c of contributions) {
    const entry = byId.get(c.id) ?? { c, facts: new Set<string>() };
    for (const f of c.facts ?? []) entry.facts.add(f);
    byId.set(c.id, entry);
  }
  return [...byId.values()].map(({ c, facts }) => ({
    id: c.id,
    uid: dashboardUid(c.id, scope),
    json: JSON.parse(JSON.stringify(c.build(scope, [...facts].sort()).build())) as Record<string, unknown>,
  }));
}
