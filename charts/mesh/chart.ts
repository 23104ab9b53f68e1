/**
 * The mesh layer's own objects (`dist/<site>/mesh.k8s.yaml`): the NetworkPolicy edges the Linkerd data and
 * control planes need on top of the baseline's default-deny + DNS (+ API server for `linkerd`). Every edge names
 * its peers and ports (charts/mesh/names.ts):
 *
 * - in `linkerd`: proxies of the meshed namespaces and of the control plane itself reach identity (8080),
 *   destination (8086) and policy (8090), and each other's inbound proxy port (4143); the API server calls the
 *   webhooks (8443 injector and ServiceProfile validator, 9443 policy validator); Prometheus scrapes the proxy
 *   (4191) and controller admin ports;
 * - in each meshed namespace: egress from every pod to the control plane ports (a proxy that cannot reach
 *   identity never gets a certificate and the pod never becomes ready), and Prometheus scraping the proxy admin
 *   port. The client side of each server (clients → 4143) belongs to the server's layer (inference, ollama).
 *
 * The API server's address, as a webhook's caller: the K3s server runs in the host network, so the call comes
 * from a server node's LAN address, or, for a webhook pod on another node, from that server's flannel address in
 * the pod network. A NetworkPolicy cannot tell that address from a pod's, so the webhook ports admit the pod
 * network; they serve TLS admission reviews only.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { chartLabels } from '../../lib/constructs/labels';
import { MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS } from '../../lib/constructs/telemetry';
import { K3S_CLUSTER_CIDRS } from '../../lib/model/k3s';
import { LINKERD_NAMESPACE, PORTS } from './names';
import { MeshProps } from './props';

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const inNamespaces = (names: readonly string[]): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...names].sort() }] },
});
const prometheus: k8s.NetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } },
  podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
};
/** What a proxy dials in the control plane. */
const CONTROL_PLANE_PORTS = [PORTS.identity, PORTS.destination, PORTS.policy] as const;

export interface MeshChartProps extends MeshProps {
  /** Namespaces whose pods carry a proxy (the active ones of MESHED_NAMESPACES). */
  readonly meshedNamespaces: readonly string[];
}

export class MeshChart extends Chart {
  constructor(scope: Construct, id: string, props: MeshChartProps) {
    super(scope, id, { labels: chartLabels(props.site, 'mesh'), disableResourceNameHashes: true });
    const proxied = [LINKERD_NAMESPACE, ...props.meshedNamespaces];

    this.policy(LINKERD_NAMESPACE, 'linkerd-control-plane', {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [inNamespaces(proxied)], ports: [...CONTROL_PLANE_PORTS, PORTS.proxyInbound].map(tcp) }],
      // The control plane's own proxies: to identity, destination and policy, and to each other.
      egress: [{ to: [inNamespaces([LINKERD_NAMESPACE])], ports: [...CONTROL_PLANE_PORTS, PORTS.proxyInbound].map(tcp) }],
    });
    this.policy(LINKERD_NAMESPACE, 'linkerd-webhooks', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [...props.serverNodes.map((n) => ({ ipBlock: { cidr: `${n.ip}/32` } })), { ipBlock: { cidr: K3S_CLUSTER_CIDRS[0] } }],
          ports: [tcp(PORTS.webhook), tcp(PORTS.policyWebhook)],
        },
      ],
    });
    if (props.monitored) {
      this.policy(LINKERD_NAMESPACE, 'linkerd-prometheus', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [prometheus], ports: [PORTS.proxyAdmin, ...PORTS.controllerAdmin].map(tcp) }],
      });
    }

    for (const ns of props.meshedNamespaces) {
      this.policy(ns, 'linkerd-proxy', {
        podSelector: {},
        policyTypes: props.monitored ? ['Ingress', 'Egress'] : ['Egress'],
        ...(props.monitored ? { ingress: [{ from: [prometheus], ports: [tcp(PORTS.proxyAdmin)] }] } : {}),
        egress: [{ to: [inNamespaces([LINKERD_NAMESPACE])], ports: CONTROL_PLANE_PORTS.map(tcp) }],
      });
    }
  }

  private policy(namespace: string, name: string, spec: k8s.NetworkPolicySpec): void {
    new k8s.KubeNetworkPolicy(this, `${namespace}-${name}`, {
      metadata: { name, namespace, labels: { 'app.kubernetes.io/name': name } },
      spec,
    });
  }
}
