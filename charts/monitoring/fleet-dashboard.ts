/**
 * The fleet overview (hub Grafana only): sites by ring and health, SLO burn per site and per ring, sites not
 * reporting, top error sites, and p95 latency per site with exemplars and a link to the site's slow traces in
 * Tempo. It reads the series the sites remote-write and the hub's fleet recording rules (fleet-rules.ts).
 */
import { DashboardBuilder, DashboardLinkBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { DashboardContribution, dashboardBase, DashboardScope, Layout } from '../../lib/constructs/dashboard';

const FLEET_OVERVIEW = 'fleet-overview';
/** The Tempo datasource uid of the hub Grafana (hub-stack.ts HUB_DATASOURCES.tempo). */
const TEMPO_UID = 'tempo';

/** Grafana Explore on Tempo: the site's traces slower than 50 ms in the panel's time range. */
function slowTracesUrl(): string {
  const pane = {
    t: {
      datasource: TEMPO_UID,
      queries: [{ refId: 'A', datasource: { type: 'tempo', uid: TEMPO_UID }, queryType: 'traceql', query: '{ resource.site = "${__field.labels.site}" && duration > 50ms }' }],
      range: { from: '${__from}', to: '${__to}' },
    },
  };
  return `/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(pane))}`;
}

function fleetOverview(): DashboardBuilder {
  const l = new Layout(DashboardScope.Fleet);
  const d = dashboardBase(FLEET_OVERVIEW, 'Fleet overview', DashboardScope.Fleet);
  const notReporting = `${l.sel('fleet:site:info')} unless on (site) group by (site) (up{site!=""})`;
  d.withPanel(l.stat('Sites', 'Sites of the inventory the hub expects to report.', 'none', `count(${l.sel('fleet:site:info')})`, 'sites'));
  d.withPanel(l.stat('Sites not reporting', 'Sites of the inventory without any series at the hub now (alert SiteNotReporting after 15m).', 'none', `count(${notReporting}) or vector(0)`, 'not reporting'));
  d.withPanel(l.stat('Sites with critical alerts', 'Sites with at least one critical alert firing.', 'none', `count(group by (site) (${l.sel('ALERTS', 'alertstate="firing", severity="critical"')})) or vector(0)`, 'critical'));
  d.withRow(l.row('Sites by ring and health'));
  d.withPanel(
    l.timeseries('Sites by ring', 'Expected sites, reporting sites and sites with critical alerts, per ring.', 'none', [
      { expr: `count by (ring) (${l.sel('fleet:site:info')})`, legend: 'ring {{ring}} expected' },
      { expr: `count by (ring) (group by (site, ring) (${l.sel('up')}))`, legend: 'ring {{ring}} reporting' },
      { expr: `count by (ring) (group by (site, ring) (${l.sel('ALERTS', 'alertstate="firing", severity="critical"')}))`, legend: 'ring {{ring}} critical' },
    ]),
  );
  d.withPanel(l.timeseries('Sites not reporting', 'One line per site of the inventory with no series at the hub (value 1).', 'none', [{ expr: notReporting, legend: '{{site}} (ring {{ring}})' }]));
  d.withRow(l.row('Error budget'));
  d.withPanel(
    l.timeseries('SLO burn per site (1h)', 'Inference availability error-budget burn rate over 1h per site (1 = exactly on budget; 14.4 pages).', 'none', [
      { expr: l.sel('site:inference_availability_burn:ratio_rate1h'), legend: '{{site}}' },
    ]),
  );
  d.withPanel(
    l.timeseries('SLO burn per ring (1h, 6h)', 'Average burn rate of the sites of each ring (alert FleetRingErrorBudgetBurn).', 'none', [
      { expr: `avg by (ring) (${l.sel('site:inference_availability_burn:ratio_rate1h')})`, legend: 'ring {{ring}} 1h' },
      { expr: `avg by (ring) (${l.sel('site:inference_availability_burn:ratio_rate6h')})`, legend: 'ring {{ring}} 6h' },
    ]),
  );
  d.withPanel(
    l.timeseries('Top 10 error sites', 'Sites with the highest share of 5xx answers over 1h (any model).', 'percentunit', [
      { expr: `topk(10, max by (site) (${l.sel('model:inference_errors:ratio_rate1h')}))`, legend: '{{site}}' },
    ]),
  );
  const latency = l
    .timeseries('Inference p95 latency per site', 'p95 from the histogram; exemplar dots open their trace in Tempo, the data link lists the site\'s slow traces.', 's', [])
    .withTarget(
      new DataqueryBuilder()
        .refId('A')
        .expr(`histogram_quantile(0.95, sum by (site, le) (rate(${l.sel('inference_duration_seconds_bucket')}[$__rate_interval])))`)
        .legendFormat('{{site}}')
        .exemplar(true),
    )
    .dataLinks([new DashboardLinkBuilder('Slow traces of ${__field.labels.site}').url(slowTracesUrl()).targetBlank(true)]);
  d.withPanel(latency);
  return d;
}

/** Fleet scope only: a site's Grafana has no fleet. */
export const fleetOverviewDashboard: DashboardContribution = { id: FLEET_OVERVIEW, build: () => fleetOverview() };
