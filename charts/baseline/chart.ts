/**
 * Baseline layer: the namespaces of every enabled layer with Pod Security Admission labels, a default-deny
 * NetworkPolicy per namespace with the minimum explicit allowances (DNS; the API server for controllers),
 * and a LimitRange and ResourceQuota sized from the site's hardware.
 *
 * The baseline layer owns the namespaces (Argo CD applications never use CreateNamespace), and marks them
 * Prune=false/Delete=false: deleting a namespace would delete everything in it, model caches included.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { allocatable, siteAllocatable } from '../../lib/model/capacity';
import { Site } from '../../lib/model/schema';
import { K3S_API_PORT, K3S_KUBERNETES_SERVICE_IP } from '../../lib/model/k3s';
import { chartLabels } from '../../lib/constructs/labels';
import { assertNamespaceSpec, NAMESPACE_REASON_ANNOTATION, NamespaceSpec } from '../../lib/constructs/namespaces';
import { kubernetesMinor } from '../../lib/model/site';

export interface BaselineChartProps {
  readonly site: Site;
  /** Namespaces of the enabled layers, in a stable order. */
  readonly namespaces: readonly NamespaceSpec[];
}

export class BaselineChart extends Chart {
  constructor(scope: Construct, id: string, props: BaselineChartProps) {
    super(scope, id, { labels: chartLabels(props.site.name, 'baseline'), disableResourceNameHashes: true });
    const { site } = props;
    const seen = new Set<string>();
    for (const ns of props.namespaces) {
      assertNamespaceSpec(ns);
      if (seen.has(ns.name)) throw new Error(`namespace "${ns.name}" is declared twice: give each layer its own namespace`);
      seen.add(ns.name);
      this.addNamespace(site, ns);
      this.networkPolicies(site, ns);
      this.limits(site, ns);
    }
  }

  private addNamespace(site: Site, ns: NamespaceSpec): void {
    const level = ns.podSecurity ?? 'restricted';
    const version = kubernetesMinor(site.k3sVersion);
    new k8s.KubeNamespace(this, `${ns.name}-namespace`, {
      metadata: {
        name: ns.name,
        labels: {
          'app.kubernetes.io/name': ns.name,
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': version,
          // Audit and warn at restricted even where enforcement is relaxed, so drift stays visible.
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': version,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': version,
        },
        annotations: {
          'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
          'argocd.argoproj.io/sync-wave': '-10',
          ...(ns.podSecurityReason ? { [NAMESPACE_REASON_ANNOTATION]: ns.podSecurityReason } : {}),
        },
      },
    });
  }

  private networkPolicies(site: Site, ns: NamespaceSpec): void {
    new k8s.KubeNetworkPolicy(this, `${ns.name}-default-deny`, {
      metadata: { name: 'default-deny', namespace: ns.name, labels: { 'app.kubernetes.io/name': 'default-deny' } },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, `${ns.name}-allow-dns`, {
      metadata: { name: 'allow-dns', namespace: ns.name, labels: { 'app.kubernetes.io/name': 'allow-dns' } },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    });
    if (ns.apiServerEgress) {
      // The API server is reached through the `kubernetes` Service, which kube-proxy DNATs to a server node's
      // 6443; depending on the CNI the policy sees either address, so allow both (and nothing else).
      const servers = site.nodes.filter((n) => n.role === 'server');
      new k8s.KubeNetworkPolicy(this, `${ns.name}-allow-apiserver`, {
        metadata: { name: 'allow-kube-apiserver', namespace: ns.name, labels: { 'app.kubernetes.io/name': 'allow-kube-apiserver' } },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ ipBlock: { cidr: `${K3S_KUBERNETES_SERVICE_IP}/32` } }],
              ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(443) }],
            },
            {
              to: servers.map((n) => ({ ipBlock: { cidr: `${n.ip}/32` } })),
              ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(K3S_API_PORT) }],
            },
          ],
        },
      });
    }
  }

  /**
   * LimitRange: defaults for containers that set nothing (Helm charts), and a per-container ceiling of the
   * largest node's allocatable capacity (a bigger container could never be scheduled).
   * ResourceQuota: a namespace can never request more than the whole site can allocate, and may not open
   * NodePorts or LoadBalancers (K3s servicelb is disabled; edge LANs are not exposed that way).
   */
  private limits(site: Site, ns: NamespaceSpec): void {
    const nodes = site.nodes.map(allocatable);
    const maxCpu = Math.max(...nodes.map((n) => n.cpuMillicores));
    const maxMem = Math.max(...nodes.map((n) => n.memoryMiB));
    const total = siteAllocatable(site.nodes);
    new k8s.KubeLimitRange(this, `${ns.name}-limits`, {
      metadata: { name: 'container-limits', namespace: ns.name, labels: { 'app.kubernetes.io/name': 'container-limits' } },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
            default: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi') },
            max: { cpu: k8s.Quantity.fromString(`${maxCpu}m`), memory: k8s.Quantity.fromString(`${maxMem}Mi`) },
          },
        ],
      },
    });
    new k8s.KubeResourceQuota(this, `${ns.name}-quota`, {
      metadata: { name: 'site-capacity', namespace: ns.name, labels: { 'app.kubernetes.io/name': 'site-capacity' } },
      spec: {
        hard: {
          'requests.cpu': k8s.Quantity.fromString(`${total.cpuMillicores}m`),
          'requests.memory': k8s.Quantity.fromString(`${total.memoryMiB}Mi`),
          'limits.memory': k8s.Quantity.fromString(`${total.memoryMiB}Mi`),
          pods: k8s.Quantity.fromString('50'),
          persistentvolumeclaims: k8s.Quantity.fromString('10'),
          'services.nodeports': k8s.Quantity.fromString('0'),
          'services.loadbalancers': k8s.Quantity.fromString('0'),
        },
      },
    });
  }
}
