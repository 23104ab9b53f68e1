/**
 * The policies chart: one Kyverno ClusterPolicy per invariant (policies.ts), scoped to the namespaces the
 * site's layers declare, and the NetworkPolicies of the Kyverno namespace on top of the baseline's
 * default-deny + DNS + API server: the API server calls the admission webhook, Prometheus scrapes the metrics
 * (through the PodMonitor rendered here).
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { SiteView } from '../../lib/constructs/layer';
import { chartLabels, selectorLabels } from '../../lib/constructs/labels';
import { MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS, PROMETHEUS_SELECTOR_LABELS } from '../../lib/constructs/telemetry';
import { HELM_CHARTS } from '../../lib/model/versions';
import { KYVERNO_METRICS_PORT, KYVERNO_METRICS_PORT_NAMES, KYVERNO_POD_LABELS, KYVERNO_POD_MONITOR, KYVERNO_WEBHOOK_PORT, POLICIES_NAMESPACE } from './names';
import { clusterPolicy, invariants, PolicyInputs, PolicyScope } from './policies';
import { PoliciesProps } from './props';

/** What the policies of a site cover, from the active layers (never from the inventory). */
export function policyInputs(props: PoliciesProps, site: SiteView): PolicyInputs {
  const declared = site.layers.flatMap((l) => l.namespaces).filter((ns) => ns.name !== POLICIES_NAMESPACE);
  const names = (pred: (level: string) => boolean): string[] => [...new Set(declared.filter((ns) => pred(ns.podSecurity ?? 'restricted')).map((ns) => ns.name))].sort();
  return {
    allowedImagePrefixes: props.allowedImagePrefixes,
    namespaces: { [PolicyScope.ALL]: names(() => true), [PolicyScope.UNPRIVILEGED]: names((level) => level !== 'privileged') },
    rollouts: site.releases.some((r) => r.release.chart.chart === HELM_CHARTS.argoRollouts.chart),
  };
}

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

export class PoliciesChart extends Chart {
  constructor(scope: Construct, id: string, props: PoliciesProps, site: SiteView) {
    super(scope, id, { labels: chartLabels(props.site, 'policies'), disableResourceNameHashes: true });
    const inputs = policyInputs(props, site);
    for (const inv of invariants(inputs.allowedImagePrefixes)) {
      // An empty namespace list would make Kyverno match every namespace, kube-system included.
      if (inputs.namespaces[inv.scope].length === 0) continue;
      const manifest = clusterPolicy(inv, inputs, selectorLabels(inv.name));
      const { apiVersion, kind, metadata, ...rest } = manifest as { apiVersion: string; kind: string; metadata: Record<string, unknown> };
      new ApiObject(this, inv.name, { apiVersion, kind, metadata, ...rest });
    }

    // The API server reaches the webhook from the server node's address or through the pod network,
    // depending on the CNI path: admit the webhook port from anywhere (TLS; only the API server calls it).
    new k8s.KubeNetworkPolicy(this, 'allow-webhook', {
      metadata: { name: 'allow-admission-webhook', namespace: POLICIES_NAMESPACE, labels: selectorLabels('allow-admission-webhook') },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [tcp(KYVERNO_WEBHOOK_PORT)] }] },
    });
    if (props.monitoring) {
      new ApiObject(this, 'pod-monitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: KYVERNO_POD_MONITOR, namespace: POLICIES_NAMESPACE, labels: { ...selectorLabels(KYVERNO_POD_MONITOR), ...PROMETHEUS_SELECTOR_LABELS } },
        spec: {
          selector: { matchLabels: { ...KYVERNO_POD_LABELS } },
          podMetricsEndpoints: KYVERNO_METRICS_PORT_NAMES.map((port) => ({ port, interval: '30s' })),
        },
      });
      new k8s.KubeNetworkPolicy(this, 'allow-prometheus-scrape', {
        metadata: { name: 'allow-prometheus-scrape', namespace: POLICIES_NAMESPACE, labels: selectorLabels('allow-prometheus-scrape') },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } }, podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } } }],
              ports: [tcp(KYVERNO_METRICS_PORT)],
            },
          ],
        },
      });
    }
  }
}
