/**
 * What the monitoring layer watches in other layers: their namespaces (rules select by namespace) and the
 * components of the stack it installs itself. The workload namespaces are declared by their layers; a test
 * (test/monitoring/targets.test.ts) checks these constants against the layer registry so they cannot drift.
 */
import { OLLAMA_PORT } from '../ollama/bootstrap';
import { MONITORING_NAMESPACE, PROMETHEUS_PORT } from '../telemetry';

export { MONITORING_NAMESPACE };

/** Namespace of the inference layer (server or Triton). */
export const INFERENCE_NAMESPACE = 'inference';
/** Namespace of the Ollama layer. */
export const OLLAMA_NAMESPACE = 'ollama';
/**
 * node-exporter needs hostNetwork, hostPID and hostPath mounts of / — forbidden by Pod Security `baseline` —
 * so it gets a namespace of its own at `privileged`, keeping `monitoring` itself `restricted`.
 */
export const NODE_EXPORTER_NAMESPACE = 'monitoring-node';

/** Helm release names = Argo CD Application suffixes; `fullnameOverride` makes object names independent of them. */
export const RELEASES = {
  kubePrometheusStack: 'kube-prometheus-stack',
  blackboxExporter: 'prometheus-blackbox-exporter',
  otelCollector: 'otel-collector',
} as const;

/** Ports the stack's components listen on (container ports, for NetworkPolicies). */
export const PORTS = {
  prometheus: PROMETHEUS_PORT,
  alertmanager: 9093,
  grafana: 3000,
  blackbox: 9115,
  nodeExporter: 9100,
  kubelet: 10250,
  ollama: OLLAMA_PORT,
  otelMetrics: 8888,
  /** Argo CD application controller metrics (argo-cd chart `controller.metrics.service.port`). */
  argoCdMetrics: 8082,
} as const;

/** Pod labels of the stack components this layer writes NetworkPolicies for (operator-/chart-given). */
export const POD_LABELS = {
  alertmanager: { 'app.kubernetes.io/name': 'alertmanager' },
  grafana: { 'app.kubernetes.io/name': 'grafana' },
} as const;

/** Secret (created out of band, like every secret) holding the Grafana admin user and password. */
export const GRAFANA_ADMIN_SECRET = { name: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' } as const;

/** The label a ConfigMap needs for Grafana's dashboard sidecar to load it (value "1"). */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

/**
 * The Argo CD application controller's metrics Service as the argo-cd Helm chart renders it with
 * `controller.metrics.enabled: true` (templates/argocd-application-controller/metrics.yaml: selector labels
 * with name "metrics" and the controller component; port name `http-metrics`).
 */
export const ARGOCD_METRICS = {
  serviceLabels: { 'app.kubernetes.io/name': 'argocd-metrics', 'app.kubernetes.io/component': 'application-controller' },
  portName: 'http-metrics',
  port: PORTS.argoCdMetrics,
} as const;
