/**
 * Monitoring layer (docs/decisions/0011-monitoring-stack.md, docs/monitoring.md).
 *
 * Per site it declares three Helm releases that the gitops layer installs as Argo CD Applications —
 * kube-prometheus-stack (Prometheus, Alertmanager, operator, kube-state-metrics, node-exporter, optional
 * Grafana), the blackbox exporter (where Ollama runs: Ollama has no /metrics) and the OpenTelemetry
 * Collector — with values rendered from the inventory, and renders into dist/<site>/monitoring.k8s.yaml:
 * - the PrometheusRules (rule modules per concern in lib/monitoring/rules, thresholds from the inventory);
 * - the NetworkPolicies its pods need on top of the baseline's default-deny;
 * - the Grafana dashboards as ConfigMaps when the site runs Grafana.
 * For the hub (`hubMonitoringOutput`): the Argo CD rules of hub-mode sites and the fleet dashboards.
 */
import { ollamaActive } from '../lib/ollama/chart-props';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { toYaml } from '../lib/synth/yaml';
import { ServiceMonitor } from '../imports/monitoring-monitoring.coreos.com';
import { ARGOCD_NAMESPACE } from '../lib/argocd/contract';
import { HelmRelease } from '../lib/helm';
import { Site } from '../lib/inventory/schema';
import { chartLabels } from '../lib/labels';
import { FleetOutput, LayerDefinition, siteNamespaces } from '../lib/layer';
import { NamespaceSpec } from '../lib/namespaces';
import { Dashboard, DashboardCoverage, dashboards, DashboardScope } from '../lib/monitoring/dashboards';
import { monitoringNetworkPolicies } from '../lib/monitoring/network';
import { hubArgoCdRules, ModelFacts, siteRuleModules } from '../lib/monitoring/rules';
import { RuleModule } from '../lib/monitoring/rules/types';
import { consumer, SIZES } from '../lib/monitoring/sizing';
import { ARGOCD_METRICS, GRAFANA_DASHBOARD_LABEL, MONITORING_NAMESPACE, NODE_EXPORTER_NAMESPACE, RELEASES } from '../lib/monitoring/targets';
import { blackboxExporterValues, kubePrometheusStackValues, otelCollectorValues, remoteWrite, tracesExporter } from '../lib/monitoring/values';
import { Catalog, SiteContext } from '../lib/site';
import { PROMETHEUS_SELECTOR_LABELS, prometheusRule } from '../lib/telemetry';
import { HELM_CHARTS } from '../lib/versions';

/** Argo CD applies these with server-side apply: dashboards outgrow the 256 KiB last-applied annotation. */
const SERVER_SIDE_APPLY = { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true' };
/** PrometheusRules may sync before kube-prometheus-stack has installed the CRD on a new site. */
const SKIP_DRY_RUN = { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' };

export interface MonitoringChartProps {
  readonly site: Site;
  /** Inventory file, for error messages. */
  readonly file: string;
  /** Model metadata (minimum accuracy) of the catalogue. */
  readonly models: readonly ModelFacts[];
  /** Namespaces of every enabled layer at the site. */
  readonly siteNamespaces: readonly string[];
}

/** Renders rule modules as PrometheusRules in the monitoring namespace. */
function addRules(scope: Construct, modules: readonly RuleModule[]): void {
  for (const m of modules) {
    const rule = prometheusRule(scope, m.name, { name: m.name, namespace: MONITORING_NAMESPACE, groups: m.groups });
    for (const [k, v] of Object.entries(SKIP_DRY_RUN)) rule.metadata.addAnnotation(k, v);
  }
}

/** A dashboard as a ConfigMap the Grafana sidecar loads (label grafana_dashboard: "1"). */
function addDashboard(scope: Construct, d: Dashboard, prefix: string): void {
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

export function siteCoverage(site: Site): DashboardCoverage {
  const inference = site.layers.inference;
  return { inference: inference.enabled, ollama: ollamaActive({ site }), runtimes: inference.enabled ? [inference.runtime] : [] };
}

function port(url: string | undefined): number | undefined {
  if (!url) return undefined;
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

export class MonitoringChart extends Chart {
  /** The rule modules rendered into this chart (with their promtool cases). */
  readonly ruleModules: readonly RuleModule[];

  constructor(scope: Construct, id: string, props: MonitoringChartProps) {
    super(scope, id, { labels: chartLabels(props.site.name, 'monitoring'), disableResourceNameHashes: true });
    const { site, file } = props;
    const m = site.layers.monitoring;
    // Validate the values now so a bad receiver/remote-write/traces setting fails the synth with its field.
    remoteWrite(m, file);
    const traces = tracesExporter(m, file);

    this.ruleModules = siteRuleModules(site, file, props.models);
    addRules(this, this.ruleModules);
    monitoringNetworkPolicies(this, {
      site,
      siteNamespaces: props.siteNamespaces,
      remoteWritePort: port(m.remoteWriteUrl),
      tracesPort: traces.port,
      argoCdNamespace: site.gitops.mode === 'pull' ? ARGOCD_NAMESPACE : undefined,
    });
    if (site.gitops.mode === 'pull') this.argoCdMonitor();
    if (m.grafana) for (const d of dashboards(DashboardScope.Site, siteCoverage(site))) addDashboard(this, d, 'grafana-dashboard-');
  }

  /**
   * A pull-mode site runs its own Argo CD (installed by Terraform, before any CRD exists, so its chart cannot
   * bring a ServiceMonitor): this layer scrapes the application controller's `argocd_app_info`.
   */
  private argoCdMonitor(): void {
    const monitor = new ServiceMonitor(this, 'argocd-application-controller', {
      metadata: { name: 'argocd-application-controller', namespace: MONITORING_NAMESPACE, labels: { 'app.kubernetes.io/name': 'argocd-application-controller', ...PROMETHEUS_SELECTOR_LABELS } },
      spec: {
        namespaceSelector: { matchNames: [ARGOCD_NAMESPACE] },
        selector: { matchLabels: { ...ARGOCD_METRICS.serviceLabels } },
        endpoints: [{ port: ARGOCD_METRICS.portName, path: '/metrics' }],
      },
    });
    for (const [k, v] of Object.entries(SKIP_DRY_RUN)) monitor.metadata.addAnnotation(k, v);
  }
}

export function monitoringNamespaces(): NamespaceSpec[] {
  return [
    { name: MONITORING_NAMESPACE, layer: 'monitoring', podSecurity: 'restricted', apiServerEgress: true },
    {
      name: NODE_EXPORTER_NAMESPACE,
      layer: 'monitoring',
      podSecurity: 'privileged',
      podSecurityReason:
        'node-exporter reads host metrics: it needs hostNetwork, hostPID and a read-only hostPath mount of /, which Pod Security baseline forbids; nothing else runs here',
      apiServerEgress: false,
    },
  ];
}

/** The Helm releases of a site; `requests` feed the capacity check. */
export function monitoringReleases(ctx: SiteContext): HelmRelease[] {
  const { site, file } = ctx;
  const m = site.layers.monitoring;
  const prometheus = { ...SIZES.prometheusCpu, memoryMiB: m.prometheusMemoryMiB };
  const kps: HelmRelease = {
    name: RELEASES.kubePrometheusStack,
    chart: HELM_CHARTS.kubePrometheusStack,
    namespace: MONITORING_NAMESPACE,
    values: kubePrometheusStackValues(site, file),
    // Installs the monitoring.coreos.com CRDs: before every layer that renders ServiceMonitors, Probes, rules.
    syncWave: -5,
    serverSideApply: true,
    requests: [
      consumer('kube-prometheus-stack/prometheus', [prometheus, SIZES.configReloader]),
      consumer('kube-prometheus-stack/alertmanager', [SIZES.alertmanager, SIZES.configReloader]),
      consumer('kube-prometheus-stack/operator', [SIZES.operator]),
      consumer('kube-prometheus-stack/kube-state-metrics', [SIZES.kubeStateMetrics]),
      consumer('kube-prometheus-stack/node-exporter', [SIZES.nodeExporter], site.nodes.length),
      ...(m.grafana ? [consumer('kube-prometheus-stack/grafana', [SIZES.grafana, SIZES.grafanaSidecar, SIZES.grafanaSidecar])] : []),
    ],
  };
  const otel: HelmRelease = {
    name: RELEASES.otelCollector,
    chart: HELM_CHARTS.otelCollector,
    namespace: MONITORING_NAMESPACE,
    values: otelCollectorValues(site, file),
    syncWave: -4,
    requests: [consumer('otel-collector', [SIZES.otelCollector])],
  };
  const releases = [kps, otel];
  if (ollamaActive({ site })) {
    releases.push({
      name: RELEASES.blackboxExporter,
      chart: HELM_CHARTS.blackboxExporter,
      namespace: MONITORING_NAMESPACE,
      values: blackboxExporterValues(),
      syncWave: -4,
      requests: [consumer('prometheus-blackbox-exporter', [SIZES.blackbox])],
    });
  }
  return releases;
}

export const monitoringLayer: LayerDefinition = {
  name: 'monitoring',
  enabled: (site) => site.layers.monitoring.enabled,
  namespaces: () => monitoringNamespaces(),
  build: (scope, ctx, layers) =>
    new MonitoringChart(scope, 'monitoring', {
      site: ctx.site,
      file: ctx.file,
      models: ctx.catalog.onnxModels,
      siteNamespaces: siteNamespaces(ctx.site, layers).map((n) => n.name),
    }),
  helmReleases: (ctx) => monitoringReleases(ctx),
};

/** What the hub renders: rules for hub-mode sites' Argo CD applications and the fleet dashboards. */
export class HubMonitoringChart extends Chart {
  readonly ruleModules: readonly RuleModule[];

  constructor(scope: Construct, id: string, sites: readonly Site[]) {
    super(scope, id, { labels: { ...chartLabels('hub', 'monitoring') }, disableResourceNameHashes: true });
    const hubSites = sites.filter((s) => s.gitops.mode === 'hub');
    this.ruleModules = hubSites.length ? [hubArgoCdRules(hubSites)] : [];
    addRules(this, this.ruleModules);
    const monitored = sites.filter((s) => s.layers.monitoring.enabled);
    const coverage: DashboardCoverage = {
      inference: monitored.some((s) => s.layers.inference.enabled),
      ollama: monitored.some((s) => ollamaActive({ site: s })),
      runtimes: [...new Set(monitored.filter((s) => s.layers.inference.enabled).map((s) => s.layers.inference.runtime))].sort(),
    };
    for (const d of dashboards(DashboardScope.Fleet, coverage)) addDashboard(this, d, 'grafana-dashboard-fleet-');
  }
}

/**
 * dist/hub/monitoring/monitoring.k8s.yaml — in a folder of its own: the hub root Application syncs only
 * dist/hub/*.k8s.yaml into the hub's argocd namespace, and these objects belong in the hub's monitoring
 * namespace. Register in lib/layers.ts FLEET_OUTPUTS.
 */
export const HUB_MONITORING_FILE = 'hub/monitoring/monitoring.k8s.yaml';

export const hubMonitoringOutput: FleetOutput = (sites: readonly { readonly site: Site }[], _catalog: Catalog) => {
  const app = new App({ outdir: 'hub' });
  const chart = new HubMonitoringChart(app, 'hub-monitoring', sites.map((s) => s.site));
  const objects = chart.toJson();
  const content = toYaml(objects);
  return objects.length ? [{ path: HUB_MONITORING_FILE, content }] : [];
};
