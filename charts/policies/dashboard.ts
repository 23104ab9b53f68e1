/** The admission policies dashboard: violations per policy, admission requests, the controller's health. */
import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardContribution, dashboardBase, DashboardScope, Layout } from '../../lib/constructs/dashboard';
import { KYVERNO_ADMISSION_CONTAINER, KYVERNO_JOB } from './names';

const POLICIES_DASHBOARD = 'policies';

function policies(scope: DashboardScope): DashboardBuilder {
  const l = new Layout(scope);
  const d = dashboardBase(POLICIES_DASHBOARD, 'Admission policies', scope);
  const by = (labels: string): string => `${scope === DashboardScope.Fleet ? 'site, ' : ''}${labels}`;
  d.withPanel(
    l.timeseries('Violations per policy', 'Failed rule evaluations per ClusterPolicy and rule (denied pods, audited pod controllers, background scans).', 'none', [
      { expr: `sum by (${by('policy_name, rule_name')}) (increase(${l.sel('kyverno_policy_results_total', 'rule_result=~"fail|error"')}[$__rate_interval]))`, legend: l.legend('{{policy_name}} / {{rule_name}}') },
    ]),
  );
  d.withPanel(
    l.timeseries('Admission requests', 'Admission reviews answered by Kyverno, allowed and denied.', 'reqps', [
      { expr: `sum by (${by('request_allowed')}) (rate(${l.sel('kyverno_admission_requests_total')}[$__rate_interval]))`, legend: l.legend('allowed={{request_allowed}}') },
    ]),
  );
  d.withPanel(l.timeseries('Admission controller up', 'Scrape health of the Kyverno admission controller (its webhooks fail open when it is down).', 'none', [{ expr: l.sel('up', `job="${KYVERNO_JOB}", container="${KYVERNO_ADMISSION_CONTAINER}"`), legend: l.legend('{{pod}}') }]));
  return d;
}

export const policiesDashboard: DashboardContribution = { id: POLICIES_DASHBOARD, build: (scope) => policies(scope) };
