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
import { alertmanagerConfig, receiverSecrets } from './alertmanager';
import { containerResources } from '../../lib/constructs/sizing';
import { collectorSizes, memoryLimiter, SIZES, telemetryBuffer } from './sizing';
import { HubEndpoints } from './hub-endpoints';
import { GRAFANA_ADMIN_SECRET, HUB_SECRET, MONITORING_NAMESPACE, NODE_EXPORTER_NAMESPACE, RELEASES } from './targets';

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

/**
 * remote_write queue for an intermittent uplink: few shards (a Pi, one uplink), a deep per-shard buffer, long
 * backoff. The WAL holds about two hours for catch-up; beyond that the hub misses samples the site still has
 * (docs/monitoring.md "During an outage").
 */
export const REMOTE_WRITE_QUEUE = { capacity: 10000, minShards: 1, maxShards: 2, maxSamplesPerSend: 2000, batchSendDeadline: '30s', minBackoff: '1s', maxBackoff: '5m', retryOnRateLimit: true } as const;

/**
 * `remoteWrite`: the inventory's `remoteWriteUrl` (with its Secret) when set, else the fleet hub's receiver with
 * the hub Secret, else nothing. Credentials come from a Secret the operator reads (never inline).
 */
export function remoteWrite(monitoring: MonitoringSpec, file: string, hub?: HubEndpoints): Values[] {
  const url = monitoring.remoteWriteUrl;
  if (!url) {
    if (monitoring.remoteWriteSecretName) {
      throw new InputError(file, 'layers.monitoring.remoteWriteSecretName', monitoring.remoteWriteSecretName, 'is set without remoteWriteUrl, so nothing would use it', 'set remoteWriteUrl or remove remoteWriteSecretName');
    }
    if (!hub) return [];
    return [
      {
        name: 'hub',
        url: hub.remoteWriteUrl,
        basicAuth: { username: { name: HUB_SECRET.name, key: HUB_SECRET.usernameKey }, password: { name: HUB_SECRET.name, key: HUB_SECRET.passwordKey } },
        queueConfig: { ...REMOTE_WRITE_QUEUE },
      },
    ];
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
  return [{ url, basicAuth: { username: { name: secret, key: 'username' }, password: { name: secret, key: 'password' } }, queueConfig: { ...REMOTE_WRITE_QUEUE } }];
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
    resources: containerResources(SIZES.grafana),
    sidecar: {
      resources: containerResources(SIZES.grafanaSidecar),
      dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: MONITORING_NAMESPACE },
      datasources: { enabled: true, defaultDatasourceEnabled: true, uid: 'prometheus' },
    },
    serviceMonitor: { enabled: true, labels: selectorLabels() },
  };
}

export function kubePrometheusStackValues(site: Site, file: string, workloadLayers: readonly string[], hub?: HubEndpoints): Values {
  const m = site.layers.monitoring;
  const prometheusSize = { ...SIZES.prometheusCpu, memoryMiB: m.prometheusMemoryMiB };
  const secrets = receiverSecrets(m.receiver);
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
      resources: containerResources(SIZES.kubeStateMetrics),
      // Only the object kinds our rules and dashboards read: less memory, fewer series.
      collectors: ['daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'namespaces', 'nodes', 'persistentvolumeclaims', 'persistentvolumes', 'poddisruptionbudgets', 'pods', 'replicasets', 'statefulsets'],
      prometheus: { monitor: { enabled: true, additionalLabels: selectorLabels() } },
    },
    nodeExporter: { enabled: true, operatingSystems: { linux: { enabled: true }, aix: { enabled: false }, darwin: { enabled: false } } },
    'prometheus-node-exporter': {
      // hostNetwork/hostPID/hostPath: its own privileged namespace (docs/decisions/0011).
      namespaceOverride: NODE_EXPORTER_NAMESPACE,
      fullnameOverride: 'node-exporter',
      resources: containerResources(SIZES.nodeExporter),
      prometheus: { monitor: { enabled: true, additionalLabels: selectorLabels() } },
    },
    prometheusOperator: {
      enabled: true,
      // No admission webhook: it needs a cert-generating Job on every sync and a port the API server must
      // reach; promtool checks every rule in CI before it can reach a site (scripts/ci/promtool.sh).
      admissionWebhooks: { enabled: false, patch: { enabled: false } },
      tls: { enabled: false },
      resources: containerResources(SIZES.operator),
      prometheusConfigReloader: { resources: containerResources(SIZES.configReloader) },
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
        externalLabels: { site: site.name, ring: String(site.ring) },
        retention: `${m.retentionDays}d`,
        retentionSize: `${Math.floor(m.storageGiB * 1024 * RETENTION_SIZE_SHARE)}MB`,
        walCompression: true,
        resources: containerResources(prometheusSize),
        storageSpec: {
          volumeClaimTemplate: {
            spec: { storageClassName: STORAGE_CLASS, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${m.storageGiB}Gi` } } },
          },
        },
        remoteWrite: remoteWrite(m, file, hub),
      },
    },
    alertmanager: {
      enabled: true,
      config: alertmanagerConfig(m, file, workloadLayers),
      serviceMonitor: { selfMonitor: true, additionalLabels: selectorLabels() },
      alertmanagerSpec: { replicas: 1, retention: '120h', secrets, resources: containerResources(SIZES.alertmanager) },
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
    resources: containerResources(SIZES.blackbox),
    // The chart sets the container context; the pod-level seccomp profile makes it Pod Security `restricted`.
    podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    serviceMonitor: { selfMonitor: { enabled: true, labels: selectorLabels() } },
  };
}

/** `host:port` of an OTLP/gRPC endpoint. */
const HOST_PORT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:(\d{1,5})$/;

/** Where the gateway keeps its persistent sending queue (a PVC of the StatefulSet). */
const QUEUE_DIR = '/var/lib/otelcol/queue';
const QUEUE_VOLUME = 'sending-queue';
const QUEUE_STORAGE = 'file_storage/queue';

/** An OTLP exporter of the gateway and the port it leaves the site on. */
export interface GatewayExporter {
  readonly name: string;
  readonly config: Values;
  readonly port?: number;
}

/**
 * Retry forever with backoff: during an uplink outage the batches wait in the persistent queue (on disk, so a
 * pod restart loses nothing); only when the queue is full does new data get dropped (docs/monitoring.md).
 */
const RETRY_FOREVER = { enabled: true, initial_interval: '5s', max_interval: '5m', max_elapsed_time: 0 };

function persistentQueue(queueSize: number): Values {
  return { enabled: true, storage: QUEUE_STORAGE, queue_size: queueSize, num_consumers: 2 };
}

/**
 * The traces exporter: OTLP/gRPC to the inventory's `tracesEndpoint` when set, else OTLP/HTTP to the hub, else
 * (a fleet without a hub, no endpoint) `debug`. Both real exporters use the persistent queue.
 */
export function tracesExporter(monitoring: MonitoringSpec, file: string, hub?: HubEndpoints, queueSize = 512): GatewayExporter {
  const endpoint = monitoring.tracesEndpoint;
  if (!endpoint) {
    if (!hub) return { name: 'debug', config: { verbosity: 'basic' } };
    return { name: 'otlp_http/hub', config: hubOtlpExporter(hub, queueSize), port: hub.otlpPort };
  }
  const m = HOST_PORT.exec(endpoint);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new InputError(file, 'layers.monitoring.tracesEndpoint', endpoint, 'is not a host:port of an OTLP/gRPC endpoint', 'write it like "tempo.example.com:4317" (no scheme, no path)');
  }
  // `otlp_grpc` is the OTLP/gRPC exporter's name since collector v0.144 (`otlp` is its deprecated alias).
  return {
    name: 'otlp_grpc',
    config: { endpoint, sending_queue: persistentQueue(queueSize), retry_on_failure: { ...RETRY_FOREVER } },
    port: Number(m[2]),
  };
}

/** OTLP/HTTP to the hub (`otlp_http`, the exporter's name since v0.144), gzip, persistent queue, retry forever. */
function hubOtlpExporter(hub: HubEndpoints, queueSize: number): Values {
  return {
    endpoint: hub.otlpEndpoint,
    compression: 'gzip',
    headers: { Authorization: '${env:HUB_OTLP_AUTHORIZATION}' },
    sending_queue: persistentQueue(queueSize),
    retry_on_failure: { ...RETRY_FOREVER },
  };
}

/** The logs exporter of the gateway: the hub, or nothing (no logs pipeline) in a fleet without a hub. */
export function logsExporter(hub: HubEndpoints | undefined, queueSize: number): GatewayExporter | undefined {
  return hub ? { name: 'otlp_http/hub-logs', config: hubOtlpExporter(hub, queueSize), port: hub.otlpPort } : undefined;
}

/** Port of the collector's own metrics (Prometheus pull exporter of its internal telemetry). */
const OTEL_METRICS_PORT = 8888;

function internalTelemetry(): Values {
  return { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '${env:MY_POD_IP}', port: OTEL_METRICS_PORT } } } }] } };
}

/** Resource attributes every span and log record of the site carries (the hub's only way to tell sites apart). */
function siteAttributes(site: Site): Values {
  return {
    attributes: [
      { key: 'site', value: site.name, action: 'upsert' },
      { key: 'ring', value: String(site.ring), action: 'upsert' },
    ],
  };
}

/**
 * The gateway's configuration: OTLP in (the site's SDKs and the log agents), memory_limiter first, site and ring
 * attributes, batch, then the traces and logs exporters with their persistent queue on the StatefulSet's volume.
 */
function gatewayConfig(site: Site, traces: GatewayExporter, logs: GatewayExporter | undefined, memoryMiB: number): Values {
  const podIp = '${env:MY_POD_IP}';
  const persistent = [traces, logs].some((e) => e && e.name !== 'debug');
  const processors = ['memory_limiter', 'resource/site', 'batch'];
  return {
    extensions: {
      health_check: { endpoint: `${podIp}:13133` },
      ...(persistent ? { [QUEUE_STORAGE]: { directory: QUEUE_DIR, timeout: '2s', compaction: { on_start: true, on_rebound: true, directory: QUEUE_DIR } } } : {}),
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `${podIp}:${OTLP_GRPC_PORT}` }, http: { endpoint: `${podIp}:${OTLP_HTTP_PORT}` } } } },
    processors: {
      // First in every pipeline: refuse data (SDKs and agents retry) before the pod is OOM-killed.
      memory_limiter: memoryLimiter(memoryMiB),
      'resource/site': siteAttributes(site),
      batch: { send_batch_size: 512, send_batch_max_size: 1024, timeout: '5s' },
    },
    exporters: { [traces.name]: traces.config, ...(logs ? { [logs.name]: logs.config } : {}) },
    service: {
      extensions: ['health_check', ...(persistent ? [QUEUE_STORAGE] : [])],
      telemetry: internalTelemetry(),
      pipelines: {
        traces: { receivers: ['otlp'], processors, exporters: [traces.name] },
        ...(logs ? { logs: { receivers: ['otlp'], processors, exporters: [logs.name] } } : {}),
      },
    },
  };
}

const COLLECTOR_IMAGE = (): Values => ({ repository: IMAGES.otelCollector.repository, tag: IMAGES.otelCollector.tag });
const RESTRICTED_CONTAINER = (): Values => ({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
const NO_LEGACY_PORTS = (): Values => ({ 'jaeger-compact': { enabled: false }, 'jaeger-thrift': { enabled: false }, 'jaeger-grpc': { enabled: false }, zipkin: { enabled: false } });

/**
 * The site gateway: a one-replica StatefulSet (its PVC holds the persistent sending queue, so it survives pod
 * restarts and node reboots) in `monitoring`, Pod Security restricted. Receives OTLP from the site's SDKs and
 * the log agents and is the only collector that talks to the hub.
 */
export function otelCollectorValues(site: Site, file: string, hub?: HubEndpoints): Values {
  const buffer = telemetryBuffer(site);
  const size = collectorSizes(site).gateway;
  const traces = tracesExporter(site.layers.monitoring, file, hub, buffer.queueSize.traces);
  const logs = logsExporter(hub, buffer.queueSize.logs);
  return {
    fullnameOverride: RELEASES.otelCollector,
    mode: 'statefulset',
    replicaCount: 1,
    image: COLLECTOR_IMAGE(),
    command: { name: 'otelcol-k8s' },
    // GOMEMLIMIT at 80% of the memory limit, so the Go GC works before memory_limiter has to refuse data.
    useGOMEMLIMIT: true,
    resources: containerResources(size),
    podSecurityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    securityContext: RESTRICTED_CONTAINER(),
    // The hub's OTLP credentials (the logs exporter always, the traces exporter unless tracesEndpoint overrides it).
    ...(logs ? { extraEnvs: [{ name: 'HUB_OTLP_AUTHORIZATION', valueFrom: { secretKeyRef: { name: HUB_SECRET.name, key: HUB_SECRET.otlpAuthorizationKey } } }] } : {}),
    statefulset: {
      volumeClaimTemplates: [
        { metadata: { name: QUEUE_VOLUME }, spec: { storageClassName: STORAGE_CLASS, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${buffer.volumeGiB}Gi` } } } },
      ],
      // The queue outlives the pod, and must outlive a deleted StatefulSet too (it is the outage backlog).
      persistentVolumeClaimRetentionPolicy: { enabled: true, whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
    extraVolumeMounts: [{ name: QUEUE_VOLUME, mountPath: QUEUE_DIR }],
    ports: {
      otlp: { enabled: true, containerPort: OTLP_GRPC_PORT, servicePort: OTLP_GRPC_PORT },
      'otlp-http': { enabled: true, containerPort: OTLP_HTTP_PORT, servicePort: OTLP_HTTP_PORT },
      ...NO_LEGACY_PORTS(),
      metrics: { enabled: true, containerPort: OTEL_METRICS_PORT, servicePort: OTEL_METRICS_PORT },
    },
    serviceMonitor: { enabled: true, extraLabels: selectorLabels(), metricsEndpoints: [{ port: 'metrics' }] },
    // `alternateConfig` replaces the chart's default config (Jaeger, Zipkin, a self-scraping Prometheus receiver,
    // metrics and logs pipelines) instead of merging into it: this is the whole collector config.
    alternateConfig: gatewayConfig(site, traces, logs, size.memoryMiB),
  };
}

/** Where K3s (containerd, CRI log format) writes container logs, and where the agent keeps its read offsets. */
const POD_LOGS_DIR = '/var/log/pods';
const AGENT_STATE_DIR = '/var/lib/otelcol-agent';

/**
 * The log agent's configuration: the filelog receiver on /var/log/pods with the container parser (CRI format,
 * pod/namespace/container from the path), offsets in file storage on the host (a restarted agent resumes,
 * neither re-reading nor skipping), k8sattributes for the node's pods, site and ring, then OTLP to the gateway.
 */
function agentConfig(site: Site, memoryMiB: number): Values {
  const podIp = '${env:MY_POD_IP}';
  return {
    extensions: {
      health_check: { endpoint: `${podIp}:13133` },
      'file_storage/offsets': { directory: AGENT_STATE_DIR, timeout: '2s' },
    },
    receivers: {
      filelog: {
        include: [`${POD_LOGS_DIR}/*/*/*.log`],
        // The agents' own logs would loop (each line read produces more lines when the exporter complains).
        exclude: [`${POD_LOGS_DIR}/${NODE_EXPORTER_NAMESPACE}_${RELEASES.otelAgent}*/*/*.log`],
        start_at: 'end',
        include_file_path: true,
        include_file_name: false,
        storage: 'file_storage/offsets',
        operators: [{ type: 'container', id: 'container-parser', max_log_size: 102400 }],
        retry_on_failure: { enabled: true },
      },
    },
    processors: {
      memory_limiter: memoryLimiter(memoryMiB),
      k8sattributes: {
        auth_type: 'serviceAccount',
        passthrough: false,
        // Only the pods of this node: each agent watches a fraction of the API server's objects.
        filter: { node_from_env_var: 'K8S_NODE_NAME' },
        extract: { metadata: ['k8s.pod.name', 'k8s.pod.uid', 'k8s.namespace.name', 'k8s.node.name', 'k8s.deployment.name', 'k8s.statefulset.name', 'k8s.daemonset.name'], labels: [{ tag_name: 'app', key: 'app.kubernetes.io/name', from: 'pod' }] },
        pod_association: [{ sources: [{ from: 'resource_attribute', name: 'k8s.pod.uid' }] }, { sources: [{ from: 'resource_attribute', name: 'k8s.pod.name' }, { from: 'resource_attribute', name: 'k8s.namespace.name' }] }],
      },
      'resource/site': siteAttributes(site),
      batch: { send_batch_size: 512, send_batch_max_size: 1024, timeout: '5s' },
    },
    exporters: {
      // In-cluster, to the gateway (which holds the persistent queue towards the hub). A short in-memory
      // queue covers a gateway restart; the filelog offsets cover anything longer (the agent re-reads).
      otlp_grpc: {
        endpoint: `${RELEASES.otelCollector}.${MONITORING_NAMESPACE}.svc:${OTLP_GRPC_PORT}`,
        tls: { insecure: true },
        sending_queue: { enabled: true, queue_size: 256 },
        retry_on_failure: { ...RETRY_FOREVER },
      },
    },
    service: {
      extensions: ['health_check', 'file_storage/offsets'],
      telemetry: internalTelemetry(),
      pipelines: { logs: { receivers: ['filelog'], processors: ['memory_limiter', 'k8sattributes', 'resource/site', 'batch'], exporters: ['otlp_grpc'] } },
    },
  };
}

/**
 * The log agent: the opentelemetry-collector chart's second release, `mode: daemonset`, in the privileged
 * `monitoring-node` namespace with node-exporter (docs/decisions/0024-log-agent.md): it reads the host's
 * /var/log/pods (read-only hostPath) as root, and keeps its offsets in a hostPath directory.
 */
export function otelAgentValues(site: Site): Values {
  const size = collectorSizes(site).agent;
  return {
    fullnameOverride: RELEASES.otelAgent,
    namespaceOverride: NODE_EXPORTER_NAMESPACE,
    mode: 'daemonset',
    image: COLLECTOR_IMAGE(),
    command: { name: 'otelcol-k8s' },
    useGOMEMLIMIT: true,
    resources: containerResources(size),
    // root: the log files are 0640 root:root; no privilege beyond reading them (all capabilities dropped but
    // DAC_READ_SEARCH is not needed as uid 0 owns the files), read-only root file system.
    podSecurityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    extraEnvs: [{ name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
    extraVolumes: [
      { name: 'varlogpods', hostPath: { path: POD_LOGS_DIR, type: 'Directory' } },
      { name: 'agent-state', hostPath: { path: AGENT_STATE_DIR, type: 'DirectoryOrCreate' } },
    ],
    extraVolumeMounts: [
      { name: 'varlogpods', mountPath: POD_LOGS_DIR, readOnly: true },
      { name: 'agent-state', mountPath: AGENT_STATE_DIR },
    ],
    // Every node, including a tainted server node: its logs matter most.
    tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
    clusterRole: {
      create: true,
      rules: [
        { apiGroups: [''], resources: ['pods', 'namespaces', 'nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['replicasets', 'deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    ports: {
      otlp: { enabled: false },
      'otlp-http': { enabled: false },
      ...NO_LEGACY_PORTS(),
      metrics: { enabled: true, containerPort: OTEL_METRICS_PORT, servicePort: OTEL_METRICS_PORT },
    },
    service: { enabled: true },
    serviceMonitor: { enabled: true, extraLabels: selectorLabels(), metricsEndpoints: [{ port: 'metrics' }] },
    alternateConfig: agentConfig(site, size.memoryMiB),
  };
}
