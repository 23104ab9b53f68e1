/**
 * The hub's telemetry backends (docs/decisions/0023-hub-telemetry-stack.md), as pinned Helm releases the hub's
 * Argo CD installs (rendered by lib/synth/hub.ts into dist/hub/telemetry.k8s.yaml):
 * - `hub-prometheus` (kube-prometheus-stack): the remote-write receiver of every site's Prometheus, the fleet
 *   rules (dist/hub/monitoring/), the hub Alertmanager with the fleet inhibition, Grafana with the datasources
 *   and the fleet dashboards;
 * - `hub-loki` (Loki, monolithic, filesystem) for logs, `hub-tempo` (Tempo, monolithic) for traces;
 * - `hub-otel-gateway` (OpenTelemetry Collector): the one OTLP endpoint the sites send to, routing traces to
 *   Tempo and logs to Loki's OTLP endpoint.
 * Retention comes from the fleet's hub settings (resolveHubSettings).
 */
import { HelmRelease } from '../../lib/constructs/helm';
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT, PROMETHEUS_SELECTOR_LABELS } from '../../lib/constructs/telemetry';
import { Receiver } from '../../lib/model/fleet';
import { HubSettings } from '../../lib/model/site';
import { HELM_CHARTS, IMAGES } from '../../lib/model/versions';
import { receivers, receiverSecrets, REPEAT_INTERVALS, routeTarget, severityRoutes } from './alertmanager';
import { FLEET_INHIBIT_SOURCE } from './fleet-rules';
import { containerResources, podConsumer } from '../../lib/constructs/sizing';
import { GRAFANA_ADMIN_SECRET, GRAFANA_DASHBOARD_LABEL, MONITORING_NAMESPACE } from './targets';

type Values = Record<string, unknown>;

/** Release names at the hub (= object name prefixes through fullnameOverride). */
export const HUB_RELEASES = { prometheus: 'hub-prometheus', loki: 'hub-loki', tempo: 'hub-tempo', otelGateway: 'hub-otel-gateway' } as const;
/** Helm release name of each (the Application is `hub-<release>`). */
const releaseName = (objectPrefix: string): string => objectPrefix.replace(/^hub-/, '');
const LOKI_PORT = 3100;
const TEMPO_QUERY_PORT = 3200;
const STORAGE_CLASS = 'standard';
/** Grafana datasource uids (the fleet dashboards and the trace links name them). */
export const HUB_DATASOURCES = { prometheus: 'prometheus', loki: 'loki', tempo: 'tempo' } as const;

/**
 * Sizing for a small hub (one or three nodes, 3,000 sites × ~3 nodes): ~30 active series per scrape target,
 * ~1.5 M active series at the receiver; Prometheus needs ~3-4 KiB per active series in memory.
 */
const HUB_SIZES = {
  prometheus: { cpuMillicores: 2000, cpuLimitMillicores: 4000, memoryMiB: 8192 },
  alertmanager: { cpuMillicores: 20, cpuLimitMillicores: 200, memoryMiB: 128 },
  operator: { cpuMillicores: 50, cpuLimitMillicores: 200, memoryMiB: 128 },
  grafana: { cpuMillicores: 200, cpuLimitMillicores: 1000, memoryMiB: 512 },
  loki: { cpuMillicores: 1000, cpuLimitMillicores: 2000, memoryMiB: 4096 },
  tempo: { cpuMillicores: 500, cpuLimitMillicores: 2000, memoryMiB: 2048 },
  otelGateway: { cpuMillicores: 500, cpuLimitMillicores: 2000, memoryMiB: 1024 },
} as const;
/** Volumes at the hub, GiB per retained day (3,000 sites; docs/monitoring.md "Retention"). */
const GIB_PER_DAY = { metrics: 20, logs: 40, traces: 15 } as const;

const selectorLabels = (): Record<string, string> => ({ ...PROMETHEUS_SELECTOR_LABELS });
const pvc = (gib: number): Values => ({ storageClassName: STORAGE_CLASS, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${gib}Gi` } } });

/** Grafana datasources: Prometheus (exemplars link to Tempo), Loki, Tempo (traces link to logs and metrics). */
export function hubDatasources(): Values[] {
  return [
    {
      name: 'Prometheus',
      uid: HUB_DATASOURCES.prometheus,
      type: 'prometheus',
      access: 'proxy',
      url: `http://${HUB_RELEASES.prometheus}-prometheus.${MONITORING_NAMESPACE}.svc:9090`,
      isDefault: true,
      jsonData: { exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: HUB_DATASOURCES.tempo }] },
    },
    { name: 'Loki', uid: HUB_DATASOURCES.loki, type: 'loki', access: 'proxy', url: `http://${HUB_RELEASES.loki}.${MONITORING_NAMESPACE}.svc:${LOKI_PORT}` },
    {
      name: 'Tempo',
      uid: HUB_DATASOURCES.tempo,
      type: 'tempo',
      access: 'proxy',
      url: `http://${HUB_RELEASES.tempo}.${MONITORING_NAMESPACE}.svc:${TEMPO_QUERY_PORT}`,
      jsonData: {
        tracesToLogsV2: { datasourceUid: HUB_DATASOURCES.loki, filterByTraceID: true, tags: [{ key: 'site', value: 'site' }] },
        tracesToMetrics: { datasourceUid: HUB_DATASOURCES.prometheus, tags: [{ key: 'site', value: 'site' }] },
        serviceMap: { datasourceUid: HUB_DATASOURCES.prometheus },
      },
    },
  ];
}

/**
 * The hub Alertmanager: the fleet alerts go to fleet.yaml's hub receiver (the platform team), grouped by site and
 * alert, with the sites' repeat intervals by severity; a site that stopped reporting silences every other fleet
 * alert of the same site (its burn, its canary alert) so that one outage pages once.
 */
/** Name of the hub Alertmanager's receiver (the platform team's channel). */
export const HUB_RECEIVER = 'fleet';

export function hubAlertmanagerConfig(receiver: Receiver): Values {
  const target = routeTarget(receiver, HUB_RECEIVER);
  return {
    route: { receiver: target, group_by: ['site', 'alertname'], group_wait: '1m', group_interval: '5m', repeat_interval: REPEAT_INTERVALS.warning, routes: severityRoutes(target) },
    receivers: receivers(receiver, HUB_RECEIVER),
    inhibit_rules: [
      { source_matchers: [`alertname = "${FLEET_INHIBIT_SOURCE}"`], target_matchers: [`alertname != "${FLEET_INHIBIT_SOURCE}"`], equal: ['site'] },
      { source_matchers: ['severity = "critical"'], target_matchers: ['severity = "warning"'], equal: ['alertname', 'site', 'ring'] },
    ],
  };
}

function hubPrometheusValues(hub: HubSettings): Values {
  const selectors: Values = {};
  for (const kind of ['rule', 'serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig']) {
    selectors[`${kind}SelectorNilUsesHelmValues`] = false;
    selectors[`${kind}Selector`] = { matchLabels: selectorLabels() };
    selectors[`${kind}NamespaceSelector`] = {};
  }
  const storageGiB = hub.retentionDays.metrics * GIB_PER_DAY.metrics;
  return {
    fullnameOverride: HUB_RELEASES.prometheus,
    crds: { enabled: true },
    // The hub's own cluster is not the subject: the sites are. Only the fleet rules (dist/hub/monitoring/).
    defaultRules: { create: false },
    kubeStateMetrics: { enabled: false },
    nodeExporter: { enabled: false },
    kubeApiServer: { enabled: false },
    kubelet: { enabled: false },
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeProxy: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeDns: { enabled: false },
    coreDns: { enabled: false },
    windowsMonitoring: { enabled: false },
    prometheusOperator: { enabled: true, admissionWebhooks: { enabled: false, patch: { enabled: false } }, tls: { enabled: false }, resources: containerResources(HUB_SIZES.operator) },
    prometheus: {
      enabled: true,
      prometheusSpec: {
        ...selectors,
        // The sites push (remote_write); the hub scrapes nothing of theirs.
        enableRemoteWriteReceiver: true,
        // A site back from an outage replays up to ~2 h of WAL: accept samples older than the head.
        tsdb: { outOfOrderTimeWindow: '3h' },
        evaluationInterval: '1m',
        retention: `${hub.retentionDays.metrics}d`,
        retentionSize: `${Math.floor(storageGiB * 1024 * 0.8)}MB`,
        walCompression: true,
        resources: containerResources(HUB_SIZES.prometheus),
        storageSpec: { volumeClaimTemplate: { spec: pvc(storageGiB) } },
      },
    },
    alertmanager: {
      enabled: true,
      config: hubAlertmanagerConfig(hub.receiver),
      alertmanagerSpec: { replicas: 1, resources: containerResources(HUB_SIZES.alertmanager), secrets: receiverSecrets(hub.receiver) },
    },
    grafana: {
      enabled: true,
      fullnameOverride: `${HUB_RELEASES.prometheus}-grafana`,
      admin: { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: GRAFANA_ADMIN_SECRET.userKey, passwordKey: GRAFANA_ADMIN_SECRET.passwordKey },
      defaultDashboardsEnabled: false,
      resources: containerResources(HUB_SIZES.grafana),
      // The fleet dashboards are ConfigMaps in dist/hub/monitoring/ (label grafana_dashboard: "1").
      sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL, labelValue: '1', searchNamespace: MONITORING_NAMESPACE }, datasources: { enabled: true, defaultDatasourceEnabled: false } },
      additionalDataSources: hubDatasources(),
    },
  };
}

function hubLokiValues(hub: HubSettings): Values {
  return {
    fullnameOverride: HUB_RELEASES.loki,
    deploymentMode: 'Monolithic',
    loki: {
      // One tenant: the site is a label (resource attribute `site`), not a tenant.
      auth_enabled: false,
      commonConfig: { replication_factor: 1 },
      storage: { type: 'filesystem' },
      schemaConfig: { configs: [{ from: '2026-01-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } }] },
      // Sites back from an outage send logs up to the queue budget old (docs/monitoring.md): accept a week.
      limits_config: { retention_period: `${hub.retentionDays.logs * 24}h`, reject_old_samples: true, reject_old_samples_max_age: '168h', allow_structured_metadata: true, otlp_config: { resource_attributes: { attributes_config: [{ action: 'index_label', attributes: ['site', 'ring', 'k8s.namespace.name'] }] } } },
      compactor: { retention_enabled: true, delete_request_store: 'filesystem' },
    },
    singleBinary: { replicas: 1, resources: containerResources(HUB_SIZES.loki), persistence: { enabled: true, size: `${hub.retentionDays.logs * GIB_PER_DAY.logs}Gi`, storageClass: STORAGE_CLASS } },
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    gateway: { enabled: false },
    minio: { enabled: false },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
  };
}

function hubTempoValues(hub: HubSettings): Values {
  return {
    fullnameOverride: HUB_RELEASES.tempo,
    replicas: 1,
    tempo: {
      retention: `${hub.retentionDays.traces * 24}h`,
      resources: containerResources(HUB_SIZES.tempo),
      receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } } },
    },
    persistence: { enabled: true, size: `${hub.retentionDays.traces * GIB_PER_DAY.traces}Gi`, storageClassName: STORAGE_CLASS },
  };
}

/** The hub's OTLP entry point: traces → Tempo (OTLP/gRPC), logs → Loki's native OTLP endpoint. */
function hubOtelGatewayValues(): Values {
  const podIp = '${env:MY_POD_IP}';
  const retry = { enabled: true, initial_interval: '5s', max_interval: '1m', max_elapsed_time: '30m' };
  return {
    fullnameOverride: HUB_RELEASES.otelGateway,
    mode: 'deployment',
    replicaCount: 2,
    image: { repository: IMAGES.otelCollector.repository, tag: IMAGES.otelCollector.tag },
    command: { name: 'otelcol-k8s' },
    useGOMEMLIMIT: true,
    resources: containerResources(HUB_SIZES.otelGateway),
    ports: { 'jaeger-compact': { enabled: false }, 'jaeger-thrift': { enabled: false }, 'jaeger-grpc': { enabled: false }, zipkin: { enabled: false } },
    alternateConfig: {
      extensions: { health_check: { endpoint: `${podIp}:13133` } },
      receivers: { otlp: { protocols: { grpc: { endpoint: `${podIp}:${OTLP_GRPC_PORT}` }, http: { endpoint: `${podIp}:${OTLP_HTTP_PORT}` } } } },
      processors: { memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 }, batch: { send_batch_size: 2048, timeout: '5s' } },
      exporters: {
        'otlp_grpc/tempo': { endpoint: `${HUB_RELEASES.tempo}.${MONITORING_NAMESPACE}.svc:${OTLP_GRPC_PORT}`, tls: { insecure: true }, retry_on_failure: retry },
        'otlp_http/loki': { endpoint: `http://${HUB_RELEASES.loki}.${MONITORING_NAMESPACE}.svc:${LOKI_PORT}/otlp`, retry_on_failure: retry },
      },
      service: {
        extensions: ['health_check'],
        pipelines: {
          traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/tempo'] },
          logs: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_http/loki'] },
        },
      },
    },
  };
}

/** The hub's telemetry releases; none in a fleet without a hub. */
export function hubReleases(hub: HubSettings | undefined): HelmRelease[] {
  if (!hub) return [];
  return [
    {
      name: releaseName(HUB_RELEASES.prometheus),
      chart: HELM_CHARTS.kubePrometheusStack,
      namespace: MONITORING_NAMESPACE,
      values: hubPrometheusValues(hub),
      syncWave: -5,
      serverSideApply: true,
      requests: [podConsumer('hub-prometheus', [HUB_SIZES.prometheus, HUB_SIZES.alertmanager, HUB_SIZES.operator, HUB_SIZES.grafana])],
    },
    { name: releaseName(HUB_RELEASES.loki), chart: HELM_CHARTS.loki, namespace: MONITORING_NAMESPACE, values: hubLokiValues(hub), syncWave: -4, requests: [podConsumer('hub-loki', [HUB_SIZES.loki])] },
    { name: releaseName(HUB_RELEASES.tempo), chart: HELM_CHARTS.tempo, namespace: MONITORING_NAMESPACE, values: hubTempoValues(hub), syncWave: -4, requests: [podConsumer('hub-tempo', [HUB_SIZES.tempo])] },
    { name: releaseName(HUB_RELEASES.otelGateway), chart: HELM_CHARTS.otelCollector, namespace: MONITORING_NAMESPACE, values: hubOtelGatewayValues(), syncWave: -3, requests: [podConsumer('hub-otel-gateway', [HUB_SIZES.otelGateway], 2)] },
  ];
}
