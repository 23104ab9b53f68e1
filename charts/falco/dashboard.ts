/**
 * The Falco dashboard: rule matches by rule and by priority (every rule, the platform's and the bundled ones),
 * the share of kernel events dropped, and Falco's own CPU and memory. Priorities are numbers in the metric
 * (0 emergency … 7 debug; falcosecurity/falco 0.44.1 userspace/falco/falco_metrics.cpp).
 */
import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardContribution, dashboardBase, DashboardScope, Layout } from '../../lib/constructs/dashboard';
import { FALCO_NAMESPACE } from './names';

const FALCO_DASHBOARD = 'falco';

function falco(scope: DashboardScope): DashboardBuilder {
  const l = new Layout(scope);
  const d = dashboardBase(FALCO_DASHBOARD, 'Falco runtime security', scope);
  const site = scope === DashboardScope.Fleet ? 'site, ' : '';
  const ns = `namespace="${FALCO_NAMESPACE}"`;
  d.withPanel(
    l.timeseries('Events by rule', 'Falco rule matches per second, by rule (platform rules are named "Edge AI …").', 'ops', [
      { expr: `sum by (${site}rule_name) (rate(${l.sel('falcosecurity_falco_rules_matches_total', ns)}[$__rate_interval]))`, legend: l.legend('{{rule_name}}') },
    ]),
  );
  d.withPanel(
    l.timeseries('Events by priority', 'Falco rule matches per second, by priority: 0 emergency, 1 alert, 2 critical, 3 error, 4 warning, 5 notice, 6 informational, 7 debug.', 'ops', [
      { expr: `sum by (${site}priority) (rate(${l.sel('falcosecurity_falco_rules_matches_total', ns)}[$__rate_interval]))`, legend: l.legend('priority {{priority}}') },
    ]),
  );
  d.withPanel(
    l.timeseries('Dropped kernel events', 'Share of syscall events the ring buffers dropped, per Falco pod (FalcoEventsDropped above 1%).', 'percentunit', [
      {
        expr: `sum by (${site}pod) (rate(${l.sel('falcosecurity_scap_n_drops_total', ns)}[$__rate_interval])) / sum by (${site}pod) (rate(${l.sel('falcosecurity_scap_n_evts_total', ns)}[$__rate_interval]))`,
        legend: l.legend('{{pod}}'),
      },
    ]),
  );
  d.withPanel(
    l.timeseries('Falco memory', 'Resident memory of each Falco process (its request and limit: charts/falco/props.ts).', 'bytes', [
      { expr: `max by (${site}pod) (${l.sel('falcosecurity_falco_memory_rss_bytes', ns)})`, legend: l.legend('{{pod}}') },
    ]),
  );
  return d;
}

export const falcoDashboard: DashboardContribution = { id: FALCO_DASHBOARD, build: (scope) => falco(scope) };
