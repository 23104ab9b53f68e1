/**
 * The components of the stack the monitoring layer installs: namespaces, release names, ports and pod labels
 * (what other layers watch is what they contribute: lib/constructs/contribution.ts).
 */
import { MONITORING_NAMESPACE, PROMETHEUS_PORT } from '../../lib/constructs/telemetry';

export { MONITORING_NAMESPACE };

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
  /** The log agent DaemonSet (second release of the opentelemetry-collector chart). */
  otelAgent: 'otel-agent',
} as const;

/** Ports the stack's components listen on (container ports, for NetworkPolicies). */
export const PORTS = {
  prometheus: PROMETHEUS_PORT,
  alertmanager: 9093,
  grafana: 3000,
  blackbox: 9115,
  nodeExporter: 9100,
  kubelet: 10250,
  otelMetrics: 8888,
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

/** Secret (created out of band in `monitoring`) with the credentials every site uses towards the hub. */
export const HUB_SECRET = { name: 'hub-telemetry', usernameKey: 'username', passwordKey: 'password', otlpAuthorizationKey: 'otlp-authorization' } as const;
