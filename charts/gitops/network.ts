/**
 * NetworkPolicies of Argo CD core at a pull-mode site, on top of what the baseline layer gives every declared
 * namespace (default-deny in both directions, DNS, and — `apiServerEgress` — the Kubernetes API).
 *
 * Argo CD core needs, and gets, exactly:
 * - repo server → the Git host and the Helm repositories: TCP 443 anywhere outside the cluster's pod and
 *   service networks (the hosts are public names whose addresses change; an FQDN policy needs a CNI K3s does
 *   not ship);
 * - application controller → repo server (8081, manifests) and → redis (6379, cache); repo server → redis;
 * - the site Prometheus (namespace `monitoring`) → application controller metrics (8082).
 * Both ends of every in-namespace flow are allowed (default-deny covers ingress and egress).
 *
 * They are applied by the site's root Application before the baseline Application (sync wave below), so the
 * baseline's default-deny never lands in `argocd` without them.
 */
import { outsideClusterPeer } from '../../lib/model/k3s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS } from '../../lib/constructs/telemetry';
import { BASELINE_SYNC_WAVE } from './application';
import { ARGOCD_NAMESPACE, PULL_ARGOCD_COMPONENTS } from './contract';

/** HTTPS: Git over https:// and Helm repositories (the platform's repoURL and every HELM_CHARTS entry). */
const GIT_HTTPS_PORT = 443;
/** Before the baseline layer's Application (its default-deny) within the root's sync. */
export const ARGOCD_NETWORK_POLICY_SYNC_WAVE = BASELINE_SYNC_WAVE - 10;

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const pods = (labels: Readonly<Record<string, string>>): k8s.NetworkPolicyPeer => ({ podSelector: { matchLabels: { ...labels } } });

const { controller, repoServer, redis } = PULL_ARGOCD_COMPONENTS;

/** Name and spec of every policy, in a stable order (exported for tests). */
function argoCdNetworkPolicySpecs(): { readonly name: string; readonly spec: k8s.NetworkPolicySpec }[] {
  return [
    {
      name: 'argocd-repo-server',
      spec: {
        podSelector: { matchLabels: { ...repoServer.podLabels } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [pods(controller.podLabels)], ports: [tcp(repoServer.port)] }],
        egress: [
          { to: [outsideClusterPeer()], ports: [tcp(GIT_HTTPS_PORT)] },
          { to: [pods(redis.podLabels)], ports: [tcp(redis.port)] },
        ],
      },
    },
    {
      name: 'argocd-application-controller',
      spec: {
        podSelector: { matchLabels: { ...controller.podLabels } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } },
                podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
              },
            ],
            ports: [tcp(controller.metricsPort)],
          },
        ],
        egress: [
          { to: [pods(repoServer.podLabels)], ports: [tcp(repoServer.port)] },
          { to: [pods(redis.podLabels)], ports: [tcp(redis.port)] },
        ],
      },
    },
    {
      name: 'argocd-redis',
      spec: {
        podSelector: { matchLabels: { ...redis.podLabels } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [pods(controller.podLabels), pods(repoServer.podLabels)], ports: [tcp(redis.port)] }],
      },
    },
  ];
}

/** Adds the policies to a chart (the pull-mode site's gitops chart). */
export function argoCdNetworkPolicies(scope: Construct): void {
  for (const { name, spec } of argoCdNetworkPolicySpecs()) {
    new k8s.KubeNetworkPolicy(scope, `netpol-${name}`, {
      metadata: {
        name,
        namespace: ARGOCD_NAMESPACE,
        labels: { 'app.kubernetes.io/name': name },
        annotations: { 'argocd.argoproj.io/sync-wave': String(ARGOCD_NETWORK_POLICY_SYNC_WAVE) },
      },
      spec,
    });
  }
}
