/**
 * The metric contract: which exporter emits which metric names. Which exporters run at a site is what the
 * active layers declare (`TelemetryContribution.exporters`).
 *
 * Every PromQL expression the platform renders (PrometheusRules, Argo Rollouts AnalysisTemplates, Grafana
 * dashboards) may only name metrics listed here for an exporter deployed at that site, or series recorded by
 * a recording rule of the same site (test/monitoring/metric-contract.test.ts). A typo, or an alert on a series
 * no deployed exporter emits (the seed's `ollama_*` alerts), fails the build instead of never firing.
 *
 * Sources, per exporter (names as exposed, histograms by their `_bucket`/`_sum`/`_count` series):
 * - inference server: imported from packages/inference-contract/src/metrics.ts, the module the server builds its prom-client
 *   registry from (test/server checks every listed name on the live /metrics), so the two cannot drift;
 * - Triton: "Metrics" page of the Triton Inference Server user guide (nv_inference_* counters, latency as
 *   cumulative microsecond counters, no histogram);
 * - blackbox exporter: prober/handler.go and prober/http.go of prometheus/blackbox_exporter;
 * - kube-state-metrics: docs/metrics/ of kubernetes/kube-state-metrics v2 (only the families we use or chart);
 * - cAdvisor (kubelet /metrics/cadvisor): container_* as scraped by kube-prometheus-stack's kubelet monitor;
 * - node-exporter: the cpu, meminfo, filesystem, loadavg and uname collectors;
 * - Argo CD application controller: argocd_app_info and friends (docs/operator-manual/metrics.md);
 * - Prometheus itself: `up` and the synthetic `ALERTS`/`ALERTS_FOR_STATE` series of the rule manager;
 * - Falco 0.44.1 (webserver /metrics, `metrics.enabled`): userspace/falco/falco_metrics.cpp of falcosecurity/falco
 *   at tag 0.44.1 (namespace `falcosecurity`, subsystems `falco`/`scap`; `rules_matches` with labels rule_name,
 *   priority as a number 0 emergency … 7 debug, source, and one `tag_<tag>="true"` per rule tag, only once a rule
 *   matched) and the unit suffixes of libs 0.25.4 userspace/libsinsp/metrics_collector.cpp (counters `_total`,
 *   memory `_bytes`, percentages `_ratio`); the kernel counters n_evts/n_drops come from libpman/src/stats.c.
 * - Linkerd proxy (admin port 4191): linkerd/linkerd2-proxy release/v2.210.4, the proxy of Linkerd stable-2.14.10
 *   (linkerd2 `.proxy-version`): linkerd/http-metrics/src/requests/report.rs (request_total, response_total,
 *   response_latency_ms), linkerd/transport-metrics/src/lib.rs (tcp_*), linkerd/app/inbound/src/metrics/authz.rs
 *   (inbound_*_authz_*), linkerd/proxy/identity-client/src/metrics.rs (identity_cert_*).
 * - Kyverno admission + reports controllers: pkg/metrics and pkg/engine/metrics.go of kyverno v1.13.6
 *   (OpenTelemetry instruments; the Prometheus exporter appends `_total` to counters).
 */
import { histogramSeries, INFERENCE_METRICS, PROCESS_METRIC_NAMES } from '@edge-ai/inference-contract';

/** An exporter whose metrics can appear at a site. */
export enum Exporter {
  /** The project's inference server (server/), `runtime: onnx`. */
  InferenceServer = 'inference-server',
  /** NVIDIA Triton, `runtime: triton`. */
  Triton = 'triton',
  BlackboxExporter = 'blackbox-exporter',
  KubeStateMetrics = 'kube-state-metrics',
  Cadvisor = 'cadvisor',
  NodeExporter = 'node-exporter',
  /** Argo CD application controller: at pull-mode sites, and at the hub for hub-mode sites. */
  ArgoCd = 'argocd',
  /** Kyverno (policies layer). */
  Kyverno = 'kyverno',
  /** Series Prometheus synthesises itself (`up`, `ALERTS`). */
  Prometheus = 'prometheus',
  /** Falco's own /metrics (optional `layers.falco`). */
  Falco = 'falco',
  /** The Linkerd proxy injected at mesh sites (and the control plane's own proxies). */
  LinkerdProxy = 'linkerd-proxy',
}

function inferenceServerMetrics(): string[] {
  const out: string[] = [];
  for (const m of Object.values(INFERENCE_METRICS)) {
    if (m.type === 'histogram') out.push(...histogramSeries(m.name));
    else out.push(m.name);
  }
  // prom-client's default metrics include one histogram (nodejs_gc_duration_seconds).
  for (const name of PROCESS_METRIC_NAMES) {
    if (name === 'nodejs_gc_duration_seconds') out.push(...histogramSeries(name));
    else out.push(name);
  }
  return out;
}

/** Metric names per exporter, as they appear in PromQL. */
export const METRIC_CATALOGUE: Readonly<Record<Exporter, readonly string[]>> = {
  [Exporter.InferenceServer]: inferenceServerMetrics(),
  [Exporter.Triton]: [
    'nv_inference_request_success',
    'nv_inference_request_failure',
    'nv_inference_count',
    'nv_inference_exec_count',
    'nv_inference_request_duration_us',
    'nv_inference_queue_duration_us',
    'nv_inference_compute_input_duration_us',
    'nv_inference_compute_infer_duration_us',
    'nv_inference_compute_output_duration_us',
    'nv_cpu_utilization',
    'nv_cpu_memory_total_bytes',
    'nv_cpu_memory_used_bytes',
  ],
  [Exporter.BlackboxExporter]: [
    'probe_success',
    'probe_duration_seconds',
    'probe_dns_lookup_time_seconds',
    'probe_ip_protocol',
    'probe_ip_addr_hash',
    'probe_http_status_code',
    'probe_http_content_length',
    'probe_http_uncompressed_body_length',
    'probe_http_duration_seconds',
    'probe_http_redirects',
    'probe_http_ssl',
    'probe_http_version',
    'probe_failed_due_to_regex',
    'probe_http_last_modified_timestamp_seconds',
  ],
  [Exporter.KubeStateMetrics]: [
    'kube_node_info',
    'kube_node_status_condition',
    'kube_node_status_allocatable',
    'kube_node_status_capacity',
    'kube_node_spec_unschedulable',
    'kube_pod_info',
    'kube_pod_status_phase',
    'kube_pod_status_ready',
    'kube_pod_container_info',
    'kube_pod_container_status_ready',
    'kube_pod_container_status_restarts_total',
    'kube_pod_container_status_waiting_reason',
    'kube_pod_container_status_terminated_reason',
    'kube_pod_container_status_last_terminated_reason',
    'kube_pod_container_resource_requests',
    'kube_pod_container_resource_limits',
    'kube_deployment_status_replicas',
    'kube_deployment_status_replicas_available',
    'kube_deployment_spec_replicas',
    'kube_statefulset_status_replicas_ready',
    'kube_daemonset_status_number_ready',
    'kube_daemonset_status_desired_number_scheduled',
    'kube_persistentvolumeclaim_status_phase',
    'kube_namespace_status_phase',
  ],
  [Exporter.Cadvisor]: [
    'container_cpu_usage_seconds_total',
    'container_memory_working_set_bytes',
    'container_memory_rss',
    'container_memory_cache',
    'container_oom_events_total',
    'container_network_receive_bytes_total',
    'container_network_transmit_bytes_total',
    'container_fs_usage_bytes',
  ],
  [Exporter.NodeExporter]: [
    'node_cpu_seconds_total',
    'node_memory_MemTotal_bytes',
    'node_memory_MemAvailable_bytes',
    'node_memory_MemFree_bytes',
    'node_memory_Buffers_bytes',
    'node_memory_Cached_bytes',
    'node_filesystem_size_bytes',
    'node_filesystem_avail_bytes',
    'node_filesystem_readonly',
    'node_load1',
    'node_load5',
    'node_load15',
    'node_uname_info',
    'node_boot_time_seconds',
    'node_network_receive_bytes_total',
    'node_network_transmit_bytes_total',
    'node_hwmon_temp_celsius',
    'node_thermal_zone_temp',
  ],
  [Exporter.ArgoCd]: ['argocd_app_info', 'argocd_app_sync_total', 'argocd_app_reconcile_count', 'argocd_app_reconcile_bucket', 'argocd_app_reconcile_sum'],
  [Exporter.LinkerdProxy]: [
    'request_total',
    'response_total',
    'response_latency_ms_bucket',
    'response_latency_ms_sum',
    'response_latency_ms_count',
    'tcp_open_total',
    'tcp_close_total',
    'tcp_open_connections',
    'tcp_read_bytes_total',
    'tcp_write_bytes_total',
    'inbound_http_authz_allow_total',
    'inbound_http_authz_deny_total',
    'inbound_tcp_authz_allow_total',
    'inbound_tcp_authz_deny_total',
    'identity_cert_expiration_timestamp_seconds',
    'identity_cert_refresh_count',
  ],
  [Exporter.Kyverno]: [
    'kyverno_policy_results_total',
    'kyverno_admission_requests_total',
    'kyverno_admission_review_duration_seconds_bucket',
    'kyverno_admission_review_duration_seconds_sum',
    'kyverno_admission_review_duration_seconds_count',
    'kyverno_policy_execution_duration_seconds_bucket',
    'kyverno_policy_execution_duration_seconds_sum',
    'kyverno_policy_execution_duration_seconds_count',
    'kyverno_policy_rule_info_total',
    'kyverno_policy_changes_total',
  ],
  [Exporter.Prometheus]: ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'ALERTS', 'ALERTS_FOR_STATE'],
  [Exporter.Falco]: [
    'falcosecurity_falco_version_info',
    'falcosecurity_falco_rules_matches_total',
    'falcosecurity_falco_outputs_queue_num_drops_total',
    'falcosecurity_falco_cpu_usage_ratio',
    'falcosecurity_falco_memory_rss_bytes',
    'falcosecurity_scap_n_evts_total',
    'falcosecurity_scap_n_drops_total',
    'falcosecurity_scap_n_drops_buffer_total',
  ],
};

/** Every metric name the given exporters emit. */
export function metricsOf(exporters: readonly Exporter[]): Set<string> {
  return new Set(exporters.flatMap((e) => METRIC_CATALOGUE[e]));
}

/** The exporter that emits a metric, for error messages (`undefined`: nobody). */
export function exporterOf(metric: string): Exporter | undefined {
  return (Object.keys(METRIC_CATALOGUE) as Exporter[]).find((e) => METRIC_CATALOGUE[e].includes(metric));
}
