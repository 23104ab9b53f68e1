/**
 * Helm values of the three charts the monitoring layer installs, rendered from the site inventory.
 * Pure functions: the same site always gives the same values (the gitops layer renders them into the
 * Argo CD Applications' `helm.valuesObject`, so they are reviewed in the dist/ diff like any manifest).
 *
 * Value paths were checked against the charts' values.yaml (kube-prometheus-stack 88.x,
 * prometheus-blackbox-exporter 11.x, opentelemetry-collector 0.158.x); docs/decisions/0011 explains the
 * choices.
 */
import { InputError } from '../../lib/model/errors';
import { MonitoringSpec, Site } from '../../lib/model/schema';
import { IMAGES } from '../../lib/model/versions';
import { BLACKBOX_HTTP_MODULE, OTLP_GRPC_PORT, OTLP_HTTP_PORT, PROMETHEUS_SELECTOR_LABELS } from '../../lib/constructs/telemetry';
import { alertmanagerConfig, alertmanagerSecrets } from './alertmanager';
import { resources, SIZES } from './sizing';
import { GRAFANA_ADMIN_SECRET, MONITORING_NAMESPACE, NODE_EXPORTER_NAMESPACE, RELEASES } from './targets';

/** K3s' bundled storage class (local-path-provisioner): node-local disk, which is what a Pi has. */
const STORAGE_CLASS = 'local-path';
/** Scrape and rule evaluation interval: 30 s halves the samples of the 15 s upstream habit on a Pi. */
const SCRAPE_INTERVAL = '30s';
/** Share of the PVC Prometheus may fill before it deletes old blocks (WAL and compaction need the rest). */
const RETENTION_SIZE_SHARE = 0.8;

type Values = Record<string, unknown>;

const selector = (): Values => ({ matchLabels: { ...PROMETHEUS_SELECTOR_LABELS } });
const selectorLabels = (): Record<string, string> => ({ ...PROMETHEUS_SELECTOR_LABELS });

/**
 * Prometheus' selectors: exactly PROMETHEUS_SELECTOR_LABELS, in every namespace. `*NilUsesHelmValues: false`
 * as well, so that an empty selector could never silently fall back to the chart's `release` label.
 */
function prometheusSelectors(): Values {
  const out: Values = {};
  for (const kind of ['rule', 'serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig']) {
    out[`${kind}SelectorNilUsesHelmValues`] = false;
    out[`${kind}Selector`] = selector();
    out[`${kind}NamespaceSelector`] = {};
  }
  return out;
}

/** `remoteWrite` from the inventory; credentials come from a Secret the operator reads (never inline). */
export function remoteWrite(monitoring: MonitoringSpec, file: string): Values[] {
  const url = monitoring.remoteWriteUrl;
  if (!url) {
    if (monitoring.remoteWriteSecretName) {
      throw new InputError(file, 'layers.monitoring.remoteWriteSecretName', monitoring.remoteWriteSecretName, 'is set without remoteWriteUrl, so nothing would use it', 'set remoteWriteUrl or remove remoteWriteSecretName');
    }
    return [];
  }
  if (!url.startsWith('https://')) {
    throw new InputError(file, 'layers.monitoring.remoteWriteUrl', url, 'is not an https:// URL: basic-auth credentials and metrics would cross the WAN in clear text', 'use the https:// endpoint of the central Prometheus');
  }
  if (!monitoring.remoteWriteSecretName) {
    throw new InputError(
      file,
      'layers.monitoring.remoteWriteSecretName',
      undefined,
      'is required with remoteWriteUrl: the central endpoint must not accept anonymous writes',
      'create a Secret in namespace monitoring with keys "username" and "password" and name it here',
    );
  }
  const secret = monitoring.remoteWriteSecretName;
  return [
    {
      url,
      basicAuth: { username: { name: secret, key: 'username' }, password: { name: secret, key: 'password' } },
      // A Pi on a flaky uplink: few shards, bounded memory for the backlog; the WAL keeps ~2 h for catch-up.
      queueConfig: { capacity: 2500, maxShards: 2, maxSamplesPerSend: 1000, batchSendDeadline: '10s' },
    },
  ];
}

/** kube-prometheus-stack default rule groups: keep the ones that work on K3s and matter on a Pi. */
const DEFAULT_RULE_GROUPS: Readonly<Record<string, boolean>> = {
  alertmanager: true,
  configReloaders: true,
  general: true, // TargetDown, Watchdog, InfoInhibitor
  kubeStateMetrics: true,
  kubernetesStorage: true, // PersistentVolume filling up: the Prometheus and Ollama PVCs
  node: true,
  nodeExporterAlerting: true,
  nodeExporterRecording: true,
  prometheus: true,
  prometheusOperator: true,
  // Off: components K3s does not expose (etcd, controller manager, scheduler, kube-proxy run inside the k3s
  // process bound to 127.0.0.1, k3s-io/k3s#3619), the API server (not scraped: its histograms cost hundreds
  // of MiB of series on a Pi), and groups our own rules replace (kubernetesApps: crash loops per layer).
  etcd: false,
  k8sContainerCpuUsageSecondsTotal: false,
  k8sContainerMemoryCache: false,
  k8sContainerMemoryRss: false,
  k8sContainerMemorySwap: false,
  k8sContainerResource: false,
  k8sContainerMemoryWorkingSetBytes: false,
  k8sPodOwner: false,
  kubeApiserverAvailability: false,
  kubeApiserverBurnrate: false,
  kubeApiserverHistogram: false,
  kubeApiserverSlos: false,
  kubeControllerManager: false,
  kubelet: false,
  kubeProxy: false,
  kubePrometheusGeneral: false,
  kubePrometheusNodeRecording: false,
  kubernetesApps: false,
  kubernetesResources: false,
  kubernetesSystem: false,
  kubeSchedulerAlerting: false,
  kubeSchedulerRecording: false,
  network: false,
  windows: false,
};

function grafanaValues(monitoring: MonitoringSpec): Values {
  if (!monitoring.grafana) return { enabled: false, forceDeployDashboards: false, forceDeployDatasources: false };
  return {
    enabled: true,
    fullnameOverride: 'grafana',
    // The admin password comes from a Secret created out of band (the chart's default would be a known one).
    admin: { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: GRAFANA_ADMIN_SECRET.userKey, passwordKey: GRAFANA_ADMIN_SECRET.passwordKey },
    // Our dashboards (charts/monitoring/dashboards) replace the ~30 upstream ones: they would need the recording
    // rules switched off above, and each is a ConfigMap the sidecar watches on a Pi.
    defaultDashboardsEnabled: false,
    persistence: { enabled: false },
    testFramework: { enabled: false },
    resources: resources(SIZES.grafana),
    sidecar: {
      resources: resources(SIZES.grafanaSidecar),
      dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: MONITORING_NAMESPACE },
      datasources: { enabled: true, defaultDatasourceEnabled: true, uid: 'prometheus' },
    },
    serviceMonitor: { enabled: true, labels: selectorLabels() },
  };
}

export function kubePrometheusStackValues(site: Site, file: string, workloadLayers: readonly string[]): Values {
  const m = site.layers.monitoring;
  const prometheusSize = { ...SIZES.prometheusCpu, memoryMiB: m.prometheusMemoryMiB };
  const secrets = alertmanagerSecrets(m);
  return {
    // Stable object names whatever the Argo CD Application (= Helm release) is called.
    fullnameOverride: RELEASES.kubePrometheusStack,
    crds: { enabled: true },
    defaultRules: { create: true, labels: selectorLabels(), rules: { ...DEFAULT_RULE_GROUPS } },
    windowsMonitoring: { enabled: false },
    kubeApiServer: { enabled: false },
    kubelet: { enabled: true, serviceMonitor: { additionalLabels: selectorLabels() } },
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeProxy: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeDns: { enabled: false },
    // The chart would create a Service in kube-system for CoreDNS; the Argo CD project lets the monitoring
    // Application write only to the layer namespaces, and a DNS outage shows up as failing probes anyway.
    coreDns: { enabled: false },
    kubeStateMetrics: { enabled: true },
    'kube-state-metrics': {
      fullnameOverride: 'kube-state-metrics',
      resources: resources(SIZES.kubeStateMetrics),
      // Only the object kinds our rules and dashboards read: less memory, fewer series.
      collectors: ['daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'namespaces', 'nodes', 'persistentvolumeclaims', 'persistentvolumes', 'poddisruptionbudgets', 'pods', 'replicasets', 'statefulsets'],
      prometheus: { monitor: { enabled: true, additionalLabels: selectorLabels() } },
    },
    nodeExporter: { enabled: true, operatingSystems: { linux: { enabled: true }, aix: { enabled: false }, darwin: { enabled: false } } },
    'prometheus-node-exporter': {
      // hostNetwork/hostPID/hostPath: its own privileged namespace (docs/decisions/0011).
      namespaceOverride: NODE_EXPORTER_NAMESPACE,
      fullnameOverride: 'node-exporter',
      resources: resources(SIZES.nodeExporter),
      prometheus: { monitor: { enabled: true, additionalLabels: selectorLabels() } },
    },
    prometheusOperator: {
      enabled: true,
      // No admission webhook: it needs a cert-generating Job on every sync and a port the API server must
      // reach; promtool checks every rule in CI before it can reach a site (scripts/ci/promtool.sh).
      admissionWebhooks: { enabled: false, patch: { enabled: false } },
      tls: { enabled: false },
      resources: resources(SIZES.operator),
      prometheusConfigReloader: { resources: resources(SIZES.configReloader) },
      serviceMonitor: { selfMonitor: true, additionalLabels: selectorLabels() },
    },
    prometheus: {
      enabled: true,
      serviceMonitor: { selfMonitor: true, additionalLabels: selectorLabels() },
      prometheusSpec: {
        ...prometheusSelectors(),
        scrapeInterval: SCRAPE_INTERVAL,
        evaluationInterval: SCRAPE_INTERVAL,
        // Every series and alert leaving the site (remote_write, Alertmanager) says where it came from.
        externalLabels: { site: site.name },
        retention: `${m.retentionDays}d`,
        retentionSize: `${Math.floor(m.storageGiB * 1024 * RETENTION_SIZE_SHARE)}MB`,
        walCompression: true,
        resources: resources(prometheusSize),
        storageSpec: {
          volumeClaimTemplate: {
            spec: { storageClassName: STORAGE_CLASS, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${m.storageGiB}Gi` } } },
          },
        },
        remoteWrite: remoteWrite(m, file),
      },
    },
    alertmanager: {
      enabled: true,
      config: alertmanagerConfig(m, file, workloadLayers),
      serviceMonitor: { selfMonitor: true, additionalLabels: selectorLabels() },
      alertmanagerSpec: { replicas: 1, retention: '120h', secrets, resources: resources(SIZES.alertmanager) },
    },
    grafana: grafanaValues(m),
  };
}

export function blackboxExporterValues(): Values {
  return {
    fullnameOverride: RELEASES.blackboxExporter,
    replicas: 1,
    config: {
      modules: {
        [BLACKBOX_HTTP_MODULE]: {
          prober: 'http',
          timeout: '5s',
          // Health endpoints answer 200 directly; a redirect would mean a proxy or a wrong URL.
          http: { valid_http_versions: ['HTTP/1.1', 'HTTP/2.0'], follow_redirects: false, preferred_ip_protocol: 'ip4' },
        },
      },
    },
    resources: resources(SIZES.blackbox),
    // The chart sets the container context; the pod-level seccomp profile makes it Pod Security `restricted`.
    podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    serviceMonitor: { selfMonitor: { enabled: true, labels: selectorLabels() } },
  };
}

/** `host:port` of an OTLP/gRPC endpoint. */
const HOST_PORT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:(\d{1,5})$/;

/** The traces exporter: OTLP/gRPC to the inventory's endpoint, or `debug` (log a summary) when none is set. */
export function tracesExporter(monitoring: MonitoringSpec, file: string): { name: string; config: Values; port?: number } {
  const endpoint = monitoring.tracesEndpoint;
  if (!endpoint) return { name: 'debug', config: { verbosity: 'basic' } };
  const m = HOST_PORT.exec(endpoint);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new InputError(file, 'layers.monitoring.tracesEndpoint', endpoint, 'is not a host:port of an OTLP/gRPC endpoint', 'write it like "tempo.example.com:4317" (no scheme, no path)');
  }
  // `otlp_grpc` is the OTLP/gRPC exporter's name since collector v0.144 (`otlp` is its deprecated alias).
  return {
    name: 'otlp_grpc',
    config: { endpoint, sending_queue: { enabled: true, queue_size: 512 }, retry_on_failure: { enabled: true, max_elapsed_time: '10m' } },
    port: Number(m[2]),
  };
}

/** Port of the collector's own metrics (Prometheus pull exporter of its internal telemetry). */
const OTEL_METRICS_PORT = 8888;

/** The complete collector configuration: OTLP in, memory_limiter then batch, one traces exporter out. */
function otelCollectorConfig(exporter: { name: string; config: Values }): Values {
  const podIp = '${env:MY_POD_IP}';
  return {
    extensions: { health_check: { endpoint: `${podIp}:13133` } },
    receivers: { otlp: { protocols: { grpc: { endpoint: `${podIp}:${OTLP_GRPC_PORT}` }, http: { endpoint: `${podIp}:${OTLP_HTTP_PORT}` } } } },
    processors: {
      // First in the pipeline: refuse data (the SDK retries) before the pod is OOM-killed.
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      batch: { send_batch_size: 512, send_batch_max_size: 1024, timeout: '5s' },
    },
    exporters: { [exporter.name]: exporter.config },
    service: {
      extensions: ['health_check'],
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: podIp, port: OTEL_METRICS_PORT } } } }] } },
      pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: [exporter.name] } },
    },
  };
}

export function otelCollectorValues(site: Site, file: string): Values {
  const exporter = tracesExporter(site.layers.monitoring, file);
  return {
    fullnameOverride: RELEASES.otelCollector,
    mode: 'deployment',
    replicaCount: 1,
    image: { repository: IMAGES.otelCollector.repository, tag: IMAGES.otelCollector.tag },
    command: { name: 'otelcol-k8s' },
    // GOMEMLIMIT at 80% of the memory limit, so the Go GC works before memory_limiter has to refuse data.
    useGOMEMLIMIT: true,
    resources: resources(SIZES.otelCollector),
    podSecurityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    ports: {
      otlp: { enabled: true, containerPort: OTLP_GRPC_PORT, servicePort: OTLP_GRPC_PORT },
      'otlp-http': { enabled: true, containerPort: OTLP_HTTP_PORT, servicePort: OTLP_HTTP_PORT },
      'jaeger-compact': { enabled: false },
      'jaeger-thrift': { enabled: false },
      'jaeger-grpc': { enabled: false },
      zipkin: { enabled: false },
      metrics: { enabled: true, containerPort: OTEL_METRICS_PORT, servicePort: OTEL_METRICS_PORT },
    },
    serviceMonitor: { enabled: true, extraLabels: selectorLabels(), metricsEndpoints: [{ port: 'metrics' }] },
    // `alternateConfig` replaces the chart's default config (Jaeger, Zipkin, a self-scraping Prometheus receiver,
    // metrics and logs pipelines) instead of merging into it: this is the whole collector config.
    alternateConfig: otelCollectorConfig(exporter),
  };
}
