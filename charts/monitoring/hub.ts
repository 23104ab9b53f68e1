/**
 * The hub's monitoring objects (`dist/hub/monitoring/monitoring.k8s.yaml`, assembled by lib/synth/hub.ts): the
 * Argo CD rules of hub-mode sites (the hub's Argo CD reports their applications) and the fleet dashboards,
 * merged from the dashboards the monitored sites' layers contribute.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { buildDashboards, DashboardContribution, DashboardScope } from '../../lib/constructs/dashboard';
import { chartLabels } from '../../lib/constructs/labels';
import { RuleModule } from '../../lib/constructs/rules';
import { addDashboard, addRules, RunbookLinks } from './chart';

/**
 * In a folder of its own: the hub root Application syncs only dist/hub/*.k8s.yaml into the hub's argocd
 * namespace, and these objects belong in the hub's monitoring namespace.
 */
export const HUB_MONITORING_FILE = 'hub/monitoring/monitoring.k8s.yaml';

export interface HubMonitoringProps {
  readonly rules: readonly RuleModule[];
  /** Dashboards in display order; repeated ids are merged (their facts united). */
  readonly dashboards: readonly DashboardContribution[];
  /** Repository address and revision for the runbook links (fleet.yaml git). */
  readonly platform: RunbookLinks;
}

export class HubMonitoringChart extends Chart {
  readonly ruleModules: readonly RuleModule[];

  constructor(scope: Construct, id: string, props: HubMonitoringProps) {
    super(scope, id, { labels: { ...chartLabels('hub', 'monitoring') }, disableResourceNameHashes: true });
    this.ruleModules = props.rules;
    addRules(this, this.ruleModules, props.platform);
    for (const d of buildDashboards(DashboardScope.Fleet, props.dashboards)) addDashboard(this, d, 'grafana-dashboard-fleet-');
  }
}
