/**
 * The monitoring layer: per site, kube-prometheus-stack (Prometheus, Alertmanager, operator,
 * kube-state-metrics, node-exporter, optional Grafana), the OpenTelemetry Collector and, where some layer
 * renders a probe, the blackbox exporter, as Helm releases (values.ts); and the chart (chart.ts) that renders
 * every active layer's telemetry contribution. Its own contribution: node rules and the site overview.
 */
import { TelemetryContribution } from '../../lib/constructs/contribution';
import { HelmRelease } from '../../lib/constructs/helm';
import { defineLayer, SiteLayers } from '../../lib/constructs/layer';
import { Exporter } from '../../lib/constructs/metrics';
import { NamespaceSpec } from '../../lib/constructs/namespaces';
import { ResolveContext } from '../../lib/constructs/layer';
import { HELM_CHARTS } from '../../lib/model/versions';
import { assertReceiver } from './alertmanager';
import { MonitoringChart, MonitoringProps } from './chart';
import { siteOverviewDashboard } from './dashboards';
import { platformRules } from './rules';
import { podConsumer } from '../../lib/constructs/sizing';
import { collectorSizes, SIZES } from './sizing';
import { resolveHubEndpoints } from './hub-endpoints';
import { MONITORING_NAMESPACE, NODE_EXPORTER_NAMESPACE, RELEASES } from './targets';
import { blackboxExporterValues, kubePrometheusStackValues, logsExporter, otelAgentValues, otelCollectorValues, remoteWrite, tracesExporter } from './values';

function port(url: string | undefined): number | undefined {
  if (!url) return undefined;
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/** Ports the gateway leaves the site on (traces and logs exporters), sorted, unique. */
function egressPorts(...ports: (number | undefined)[]): number[] {
  return [...new Set(ports.filter((p): p is number => p !== undefined))].sort((a, b) => a - b);
}

/** Validates the layer's inventory section (receiver, remote write, traces) and decides its props. */
function resolveMonitoringProps(ctx: ResolveContext | Omit<ResolveContext, 'isActive'>): MonitoringProps | undefined {
  const { site, file } = ctx;
  const spec = site.layers.monitoring;
  if (!spec.enabled) return undefined;
  assertReceiver(spec.receiver, file);
  const hub = resolveHubEndpoints(ctx);
  remoteWrite(spec, file, hub);
  const remoteWritePort = spec.remoteWriteUrl ? port(spec.remoteWriteUrl) : hub?.remoteWritePort;
  return { site, spec, file, hub, remoteWritePort, collectorEgressPorts: egressPorts(tracesExporter(spec, file, hub).port, logsExporter(hub, 1)?.port), platform: ctx.catalog.platform };
}

export function monitoringNamespaces(): NamespaceSpec[] {
  return [
    { name: MONITORING_NAMESPACE, layer: 'monitoring', podSecurity: 'restricted', apiServerEgress: true },
    {
      name: NODE_EXPORTER_NAMESPACE,
      layer: 'monitoring',
      podSecurity: 'privileged',
      podSecurityReason:
        'host agents only: node-exporter (hostNetwork, hostPID, read-only hostPath /) and the OpenTelemetry log agent (read-only hostPath /var/log/pods as root, hostPath offsets), which Pod Security baseline forbids (docs/decisions/0024-log-agent.md)',
      // The log agent's k8sattributes processor watches the pods of its node.
      apiServerEgress: true,
    },
  ];
}

/** The monitoring layer's own contribution: node rules, the site overview, the stack's exporters. */
export function monitoringTelemetry(): TelemetryContribution {
  return {
    rules: [platformRules()],
    dashboards: [siteOverviewDashboard],
    exporters: [Exporter.Prometheus, Exporter.KubeStateMetrics, Exporter.Cadvisor, Exporter.NodeExporter],
  };
}

/** The Helm releases of a site; `requests` feed the capacity check. */
function monitoringReleases(props: MonitoringProps, site: SiteLayers): HelmRelease[] {
  const { site: facts, spec, file } = props;
  const contributions = site.layers.map((l) => l.telemetry);
  const workloadLayers = site.layers.filter((l) => l.telemetry.workloadAlerts).map((l) => l.name);
  const prometheus = { ...SIZES.prometheusCpu, memoryMiB: spec.prometheusMemoryMiB };
  const sizes = collectorSizes(facts);
  const kps: HelmRelease = {
    name: RELEASES.kubePrometheusStack,
    chart: HELM_CHARTS.kubePrometheusStack,
    namespace: MONITORING_NAMESPACE,
    values: kubePrometheusStackValues(facts, file, workloadLayers, props.hub),
    // Installs the monitoring.coreos.com CRDs: before every layer that renders ServiceMonitors, Probes, rules.
    syncWave: -5,
    serverSideApply: true,
    requests: [
      podConsumer('kube-prometheus-stack/prometheus', [prometheus, SIZES.configReloader]),
      podConsumer('kube-prometheus-stack/alertmanager', [SIZES.alertmanager, SIZES.configReloader]),
      podConsumer('kube-prometheus-stack/operator', [SIZES.operator]),
      podConsumer('kube-prometheus-stack/kube-state-metrics', [SIZES.kubeStateMetrics]),
      podConsumer('kube-prometheus-stack/node-exporter', [SIZES.nodeExporter], facts.nodes.length),
      ...(spec.grafana ? [podConsumer('kube-prometheus-stack/grafana', [SIZES.grafana, SIZES.grafanaSidecar, SIZES.grafanaSidecar])] : []),
    ],
  };
  const otel: HelmRelease = {
    name: RELEASES.otelCollector,
    chart: HELM_CHARTS.otelCollector,
    namespace: MONITORING_NAMESPACE,
    values: otelCollectorValues(facts, file, props.hub),
    syncWave: -4,
    requests: [podConsumer('otel-collector', [sizes.gateway])],
  };
  const agent: HelmRelease = {
    name: RELEASES.otelAgent,
    chart: HELM_CHARTS.otelCollector,
    namespace: NODE_EXPORTER_NAMESPACE,
    values: otelAgentValues(facts),
    syncWave: -4,
    requests: [podConsumer('otel-agent', [sizes.agent], facts.nodes.length)],
  };
  // The log agent only where its logs go somewhere: the gateway's logs pipeline exists with a hub.
  const releases = props.hub ? [kps, otel, agent] : [kps, otel];
  if (contributions.some((c) => (c.probes ?? []).length > 0)) {
    releases.push({
      name: RELEASES.blackboxExporter,
      chart: HELM_CHARTS.blackboxExporter,
      namespace: MONITORING_NAMESPACE,
      values: blackboxExporterValues(),
      syncWave: -4,
      requests: [podConsumer('prometheus-blackbox-exporter', [SIZES.blackbox])],
    });
  }
  return releases;
}

export const monitoringLayer = defineLayer({
  name: 'monitoring',
  resolve: (ctx) => resolveMonitoringProps(ctx),
  namespaces: () => monitoringNamespaces(),
  telemetry: () => monitoringTelemetry(),
  releases: (props, site) => monitoringReleases(props, site),
  build: (scope, props, site) => new MonitoringChart(scope, 'monitoring', props, site, monitoringTelemetry().dashboards ?? []),
});
