/**
 * A small NetworkPolicy evaluator (networking.k8s.io/v1 semantics) for the flows the GitOps tests care about:
 * a connection is allowed when the source's namespace lets it leave (no policy selects the source for Egress,
 * or a selecting policy has a matching egress rule) AND the destination's namespace lets it in (same, for
 * Ingress). Endpoints outside the cluster have only an address; their side is not evaluated.
 *
 * Covers what the charts use: podSelector/namespaceSelector matchLabels and `In` matchExpressions, ipBlock with
 * except (IPv4), TCP/UDP numeric ports. Anything else throws, so a policy using a new construct fails the test
 * instead of being evaluated wrongly.
 */
import { K8sObject } from '../helpers';

export interface Endpoint {
  /** Namespace of a pod; undefined for an address outside the cluster. */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly ip: string;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { protocol?: string; port?: number | string; endPort?: number }[];
}

function matches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator !== 'In') throw new Error(`matchExpressions operator ${e.operator} not modelled`);
    if (!(e.key in labels) || !(e.values ?? []).includes(labels[e.key])) return false;
  }
  return true;
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const size = 2 ** (32 - bits);
  const start = Math.floor(ipToInt(base) / size) * size;
  const addr = ipToInt(ip);
  return addr >= start && addr < start + size;
}

/** The namespace's own labels as the API server sets them (only the name label matters here). */
function namespaceLabels(name: string): Record<string, string> {
  return { 'kubernetes.io/metadata.name': name };
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    if (peer.podSelector || peer.namespaceSelector) throw new Error('ipBlock combined with selectors is invalid');
    return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  }
  if (other.namespace === undefined) return false;
  if (peer.namespaceSelector) {
    if (!matches(peer.namespaceSelector, namespaceLabels(other.namespace))) return false;
  } else if (other.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector ? matches(peer.podSelector, other.labels ?? {}) : true;
}

function portMatches(rule: Rule, protocol: string, port: number): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if (typeof p.port === 'string') throw new Error(`named port ${p.port} not modelled`);
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    return p.endPort === undefined ? p.port === port : port >= p.port && port <= p.endPort;
  });
}

function side(policies: readonly K8sObject[], self: Endpoint, other: Endpoint, direction: 'Ingress' | 'Egress', protocol: string, port: number): boolean {
  if (self.namespace === undefined) return true;
  const selecting = policies.filter(
    (p) =>
      p.kind === 'NetworkPolicy' &&
      p.metadata.namespace === self.namespace &&
      matches(p.spec.podSelector ?? {}, self.labels ?? {}) &&
      ((p.spec.policyTypes as string[] | undefined) ?? ['Ingress']).includes(direction),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) => {
    const rules = ((direction === 'Egress' ? p.spec.egress : p.spec.ingress) ?? []) as Rule[];
    return rules.some((r) => {
      const peers = direction === 'Egress' ? r.to : r.from;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, p.metadata.namespace as string, other));
      return peerOk && portMatches(r, protocol, port);
    });
  });
}

/** Whether the policies let `from` open a connection to `to` on the port. */
export function allowed(policies: readonly K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  return side(policies, from, to, 'Egress', protocol, port) && side(policies, to, from, 'Ingress', protocol, port);
}
