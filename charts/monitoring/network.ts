/**
 * NetworkPolicies of the monitoring layer, on top of the baseline's default-deny + DNS (+ API server: the
 * operator, kube-state-metrics, Prometheus' service discovery and Grafana's dashboard sidecar all talk to
 * it, so `monitoring` is declared with `apiServerEgress`). Every allowance names its peers; the other side
 * of each edge (e.g. the inference namespace admitting Prometheus) belongs to the layer that owns that side,
 * using the pod labels exported from lib/constructs/telemetry.ts.
 */
import { outsideClusterPeer } from '../../lib/model/k3s';
import { ProbeTarget, ScrapeTarget } from '../../lib/constructs/contribution';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Site } from '../../lib/model/schema';
import { BLACKBOX_POD_LABELS, OTEL_COLLECTOR_POD_LABELS, OTLP_GRPC_PORT, OTLP_HTTP_PORT, PROMETHEUS_POD_LABELS } from '../../lib/constructs/telemetry';
import { MONITORING_NAMESPACE, NODE_EXPORTER_NAMESPACE, POD_LABELS, PORTS } from './targets';

export interface MonitoringNetworkProps {
  readonly site: Site;
  /** Namespaces of every enabled layer at the site (Prometheus scrapes targets in all of them). */
  readonly siteNamespaces: readonly string[];
  /** Port of the remote_write endpoint, when the site remote-writes. */
  readonly remoteWritePort?: number;
  /** Ports the collector gateway sends traces and logs out on (the hub, or the inventory's tracesEndpoint). */
  readonly collectorEgressPorts: readonly number[];
  /** The log agent DaemonSet runs (in the node namespace) and sends to the gateway. @default false */
  readonly logAgent?: boolean;
  /** Targets outside the layer namespaces' own monitors that Prometheus scrapes (e.g. a pull-mode site's Argo CD). */
  readonly scrapes: readonly ScrapeTarget[];
  /** What the blackbox exporter probes. */
  readonly probes: readonly ProbeTarget[];
  /** Namespaces whose pods send OTLP to the collector. */
  readonly otlpClients: readonly string[];
}

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const namespaces = (names: readonly string[]): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...names].sort() }] },
});
/** Anywhere outside the cluster's pod and service networks (K3s defaults 10.42.0.0/16 and 10.43.0.0/16). */
const internet: k8s.NetworkPolicyPeer = outsideClusterPeer();

function policy(scope: Construct, name: string, spec: k8s.NetworkPolicySpec, namespace: string = MONITORING_NAMESPACE): void {
  new k8s.KubeNetworkPolicy(scope, namespace === MONITORING_NAMESPACE ? `netpol-${name}` : `netpol-${namespace}-${name}`, {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': name } },
    spec,
  });
}

export function monitoringNetworkPolicies(scope: Construct, props: MonitoringNetworkProps): void {
  const { site } = props;
  const m = site.layers.monitoring;
  const nodeIps = site.nodes.map((n) => ({ ipBlock: { cidr: `${n.ip}/32` } }));

  // Prometheus scrapes pods in every layer namespace (the targets' own policies decide what they admit),
  // the kubelets (cAdvisor) and node-exporters on the node addresses, and a pull-mode site's Argo CD.
  policy(scope, 'allow-prometheus-egress', {
    podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
    policyTypes: ['Egress'],
    egress: [
      { to: [namespaces(props.siteNamespaces)] },
      { to: nodeIps, ports: [tcp(PORTS.kubelet), tcp(PORTS.nodeExporter)] },
      ...props.scrapes.map((t) => ({ to: [namespaces([t.namespace])], ports: [tcp(t.port)] })),
      ...(props.remoteWritePort ? [{ to: [internet], ports: [tcp(props.remoteWritePort)] }] : []),
    ],
  });

  // Everything in the namespace may be scraped (and Alertmanager/blackbox called) by Prometheus.
  policy(scope, 'allow-prometheus-ingress', {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } } }] }],
  });

  // Prometheus' API: Grafana, and the platform's own namespaces (Argo Rollouts' analysis runs query it).
  policy(scope, 'allow-prometheus-api', {
    podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [namespaces(props.siteNamespaces)], ports: [tcp(PORTS.prometheus)] }],
  });

  if (m.grafana) {
    policy(scope, 'allow-grafana-egress', {
      podSelector: { matchLabels: { ...POD_LABELS.grafana } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } } }], ports: [tcp(PORTS.prometheus)] },
        { to: [{ podSelector: { matchLabels: { ...POD_LABELS.alertmanager } } }], ports: [tcp(PORTS.alertmanager)] },
      ],
    });
    policy(scope, 'allow-alertmanager-api', {
      podSelector: { matchLabels: { ...POD_LABELS.alertmanager } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { ...POD_LABELS.grafana } } }], ports: [tcp(PORTS.alertmanager)] }],
    });
  }

  if (m.receiver.type !== 'none') {
    // Slack, PagerDuty and webhooks are HTTPS endpoints outside the site.
    policy(scope, 'allow-alertmanager-receiver', {
      podSelector: { matchLabels: { ...POD_LABELS.alertmanager } },
      policyTypes: ['Egress'],
      egress: [{ to: [internet], ports: [tcp(443)] }],
    });
  }

  if (props.probes.length > 0) {
    policy(scope, 'allow-blackbox-egress', {
      podSelector: { matchLabels: { ...BLACKBOX_POD_LABELS } },
      policyTypes: ['Egress'],
      egress: props.probes.map((p) => ({ to: [namespaces([p.namespace])], ports: [tcp(p.port)] })),
    });
  }

  // The gateway: OTLP from the site's SDKs and the log agents; out to the hub (or the tracesEndpoint) only.
  const otlpClients = [...new Set([...props.otlpClients, ...(props.logAgent ? [NODE_EXPORTER_NAMESPACE] : [])])];
  policy(scope, 'allow-otel-collector', {
    podSelector: { matchLabels: { ...OTEL_COLLECTOR_POD_LABELS } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: otlpClients.length ? [{ from: [namespaces(otlpClients)], ports: [tcp(OTLP_GRPC_PORT), tcp(OTLP_HTTP_PORT)] }] : [],
    egress: props.collectorEgressPorts.length ? [{ to: [internet], ports: props.collectorEgressPorts.map(tcp) }] : [],
  });

  if (props.logAgent) {
    // The log agent (pod network; node-exporter beside it uses the host's): scraped by Prometheus, sends to the
    // gateway only. DNS and the API server (k8sattributes) come from the baseline's policies of the namespace.
    policy(
      scope,
      'allow-otel-agent',
      {
        podSelector: { matchLabels: { ...OTEL_COLLECTOR_POD_LABELS } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } }, podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } } }], ports: [tcp(PORTS.otelMetrics)] }],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } }, podSelector: { matchLabels: { ...OTEL_COLLECTOR_POD_LABELS } } }], ports: [tcp(OTLP_GRPC_PORT)] }],
      },
      NODE_EXPORTER_NAMESPACE,
    );
  }
}
