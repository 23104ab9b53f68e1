/**
 * The Falco layer's own objects: the NetworkPolicy that admits the site Prometheus to Falco's metrics port.
 * Falco itself (DaemonSet, ConfigMaps, Service) is the Helm release (release.ts); its namespace, Pod Security
 * level, default-deny and DNS policies come from the baseline layer. Falco needs no other traffic: no falcoctl
 * downloads, no falcosidekick, no k8s-metacollector, and the container runtime is a host socket, not the network.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { chartLabels, selectorLabels } from '../../lib/constructs/labels';
import { MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS } from '../../lib/constructs/telemetry';
import { FALCO_METRICS_PORT, FALCO_NAMESPACE, FALCO_POD_LABELS } from './names';
import { FalcoProps } from './props';

export class FalcoChart extends Chart {
  constructor(scope: Construct, id: string, props: FalcoProps) {
    super(scope, id, { labels: chartLabels(props.site, 'falco'), disableResourceNameHashes: true });
    if (!props.monitoring) return;
    new k8s.KubeNetworkPolicy(this, 'allow-prometheus-scrape', {
      metadata: { name: 'allow-prometheus-scrape', namespace: FALCO_NAMESPACE, labels: selectorLabels('allow-prometheus-scrape') },
      spec: {
        podSelector: { matchLabels: { ...FALCO_POD_LABELS } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } }, podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } } }],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FALCO_METRICS_PORT) }],
          },
        ],
      },
    });
  }
}
