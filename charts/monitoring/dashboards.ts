/** The monitoring layer's own dashboard: the site overview (nodes, alerts, targets, memory by namespace). */
import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardContribution, dashboardBase, DashboardScope, Layout } from '../../lib/constructs/dashboard';

const SITE_OVERVIEW = 'site-overview';

function siteOverview(scope: DashboardScope): DashboardBuilder {
  const l = new Layout(scope);
  const d = dashboardBase(SITE_OVERVIEW, 'Edge site overview', scope);
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

/** First of the site's dashboards (the other layers contribute theirs). */
export const siteOverviewDashboard: DashboardContribution = { id: SITE_OVERVIEW, build: (scope) => siteOverview(scope) };
