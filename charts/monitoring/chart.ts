/**
 * The monitoring layer's chart (docs/decisions/0011-monitoring-stack.md, docs/monitoring.md):
 * dist/<site>/monitoring.k8s.yaml holds what the active layers contribute (lib/constructs/contribution.ts)
 * plus the layer's own:
 * - PrometheusRules: one per rule module, in registry order;
 * - ServiceMonitors for scrape targets that cannot bring their own (a pull-mode site's Argo CD);
 * - the NetworkPolicies of the stack's pods, with the edges the contributions ask for (probes, OTLP clients);
 * - the Grafana dashboards as ConfigMaps when the site runs Grafana (the site overview first).
 * The Helm releases of the stack are in releases.ts; the hub's monitoring objects in hub.ts.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { ServiceMonitor } from '../../imports/monitoring-monitoring.coreos.com';
import { TelemetryContribution } from '../../lib/constructs/contribution';
import { buildDashboards, Dashboard, DashboardContribution, DashboardScope } from '../../lib/constructs/dashboard';
import { chartLabels } from '../../lib/constructs/labels';
import { SiteView } from '../../lib/constructs/layer';
import { RuleModule } from '../../lib/constructs/rules';
import { PROMETHEUS_SELECTOR_LABELS, prometheusRule } from '../../lib/constructs/telemetry';
import { MonitoringSpec, Site } from '../../lib/model/schema';
import { PlatformSettings } from '../../lib/model/site';
import { HubEndpoints } from './hub-endpoints';
import { monitoringNetworkPolicies } from './network';
import { GRAFANA_DASHBOARD_LABEL, MONITORING_NAMESPACE } from './targets';

/** Argo CD applies these with server-side apply: dashboards outgrow the 256 KiB last-applied annotation. */
const SERVER_SIDE_APPLY = { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true' };
/** PrometheusRules may sync before kube-prometheus-stack has installed the CRD on a new site. */
const SKIP_DRY_RUN = { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' };

/** The monitoring layer's resolved props (charts/monitoring/index.ts). */
export interface MonitoringProps {
  /** Site facts: name, nodes (node-exporter, kubelet peers) and the `layers.monitoring` section. */
  readonly site: Site;
  readonly spec: MonitoringSpec;
  /** Inventory file (Helm values name it in messages). */
  readonly file: string;
  /** Port of the remote_write endpoint, when the site remote-writes. */
  readonly remoteWritePort?: number;
  /** Repository address and revision for the alerts' runbook links (fleet.yaml git). */
  readonly platform: RunbookLinks;
  /** Ports the collector gateway sends traces and logs out on (hub, or the inventory's tracesEndpoint). @default none */
  readonly collectorEgressPorts: readonly number[];
  /** The fleet hub the site sends telemetry to (resolveHubEndpoints); `undefined` in a fleet without a hub. */
  readonly hub?: HubEndpoints;
}

/** What the runbook links of the rules are built from. */
export type RunbookLinks = Pick<PlatformSettings, 'webURL' | 'targetRevision'>;

/** Renders rule modules as PrometheusRules in the monitoring namespace. */
export function addRules(scope: Construct, modules: readonly RuleModule[], platform: RunbookLinks): void {
  for (const m of modules) {
    const rule = prometheusRule(scope, m.name, { name: m.name, namespace: MONITORING_NAMESPACE, groups: m.groups, platform });
    for (const [k, v] of Object.entries(SKIP_DRY_RUN)) rule.metadata.addAnnotation(k, v);
  }
}

/** A dashboard as a ConfigMap the Grafana sidecar loads (label grafana_dashboard: "1"). */
export function addDashboard(scope: Construct, d: Dashboard, prefix: string): void {
  new k8s.KubeConfigMap(scope, `dashboard-${d.id}`, {
    metadata: {
      name: `${prefix}${d.id}`,
      namespace: MONITORING_NAMESPACE,
      labels: { 'app.kubernetes.io/name': `${prefix}${d.id}`, [GRAFANA_DASHBOARD_LABEL]: '1' },
      annotations: { ...SERVER_SIDE_APPLY },
    },
    data: { [`${d.id}.json`]: JSON.stringify(d.json, null, 2) },
  });
}

/** Every contribution of the active layers, in registry order. */
function contributions(site: Pick<SiteView, 'layers'>): TelemetryContribution[] {
  return site.layers.map((l) => l.telemetry);
}

/**
 * Dashboards in display order: the monitoring layer's own (the overview) first, then the other layers' in
 * registry order (buildDashboards merges repeated ids at their first place).
 */
function orderedDashboards(own: readonly DashboardContribution[], all: readonly TelemetryContribution[]): DashboardContribution[] {
  return [...own, ...all.flatMap((c) => c.dashboards ?? [])];
}

export class MonitoringChart extends Chart {
  /** The rule modules rendered into this chart (with their promtool cases). */
  readonly ruleModules: readonly RuleModule[];

  constructor(scope: Construct, id: string, props: MonitoringProps, site: SiteView, ownDashboards: readonly DashboardContribution[]) {
    super(scope, id, { labels: chartLabels(props.site.name, 'monitoring'), disableResourceNameHashes: true });
    const all = contributions(site);
    this.ruleModules = all.flatMap((c) => c.rules ?? []);
    addRules(this, this.ruleModules, props.platform);
    monitoringNetworkPolicies(this, {
      site: props.site,
      siteNamespaces: site.layers.flatMap((l) => l.namespaces.map((n) => n.name)),
      remoteWritePort: props.remoteWritePort,
      collectorEgressPorts: props.collectorEgressPorts,
      logAgent: props.hub !== undefined,
      scrapes: all.flatMap((c) => c.scrapes ?? []),
      probes: all.flatMap((c) => c.probes ?? []),
      otlpClients: all.flatMap((c) => c.otlpClients ?? []),
    });
    for (const target of all.flatMap((c) => c.scrapes ?? [])) {
      const monitor = new ServiceMonitor(this, target.name, {
        metadata: { name: target.name, namespace: MONITORING_NAMESPACE, labels: { 'app.kubernetes.io/name': target.name, ...PROMETHEUS_SELECTOR_LABELS } },
        spec: {
          namespaceSelector: { matchNames: [target.namespace] },
          selector: { matchLabels: { ...target.serviceLabels } },
          endpoints: [{ port: target.portName, path: '/metrics' }],
        },
      });
      for (const [k, v] of Object.entries(SKIP_DRY_RUN)) monitor.metadata.addAnnotation(k, v);
    }
    if (props.spec.grafana) {
      for (const d of buildDashboards(DashboardScope.Site, orderedDashboards(ownDashboards, all))) addDashboard(this, d, 'grafana-dashboard-');
    }
  }
}
