/**
 * K3s network defaults the charts and the inventory checks rely on (`--cluster-cidr 10.42.0.0/16`,
 * `--service-cidr 10.43.0.0/16`; Terraform installs K3s with these defaults). Defined once.
 */
import type { NetworkPolicyPeer } from 'cdk8s-plus-28/lib/imports/k8s';
const K3S_POD_CIDR = '10.42.0.0/16';
const K3S_SERVICE_CIDR = '10.43.0.0/16';
/** Pod and service networks: "anywhere outside the cluster" NetworkPolicy peers exclude them. */
export const K3S_CLUSTER_CIDRS = [K3S_POD_CIDR, K3S_SERVICE_CIDR] as const;
/** The `kubernetes` Service is the first address of the service network. */
export const K3S_KUBERNETES_SERVICE_IP = '10.43.0.1';
/** K3s serves the API on 6443 on every server node. */
export const K3S_API_PORT = 6443;

/** NetworkPolicy peer "anywhere outside the cluster" (model pulls, Git, receivers, remote_write, OTLP). */
export function outsideClusterPeer(): NetworkPolicyPeer {
  return { ipBlock: { cidr: '0.0.0.0/0', except: [...K3S_CLUSTER_CIDRS] } };
}

/**
 * The first K3s release of each Kubernetes minor that has the embedded registry mirror (Spegel), from the "Version
 * Gate" of docs.k3s.io/installation/registry-mirror: experimental as of the January 2024 releases v1.26.13+k3s1,
 * v1.27.10+k3s1, v1.28.6+k3s1, v1.29.1+k3s1; GA as of the December 2024 releases v1.29.12+k3s1, v1.30.8+k3s1,
 * v1.31.4+k3s1. Minors from 1.30 on have it in every release. Keyed by minor (only those the inventory accepts).
 */
export const EMBEDDED_REGISTRY_SINCE: Readonly<Record<number, string>> = { 28: 'v1.28.6+k3s1', 29: 'v1.29.1+k3s1' };
/** The first minor whose every release has it. */
export const EMBEDDED_REGISTRY_ALL_FROM_MINOR = 30;
/** Releases in which the embedded registry mirror is generally available (no longer experimental). */
export const EMBEDDED_REGISTRY_GA = ['v1.29.12+k3s1', 'v1.30.8+k3s1', 'v1.31.4+k3s1'] as const;

function k3sParts(version: string): [number, number, number, number] | undefined {
  const m = /^v(\d+)\.(\d+)\.(\d+)\+k3s(\d+)$/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : undefined;
}

/** The oldest release of the version's minor with the embedded registry mirror, or undefined when the minor has none. */
export function embeddedRegistryMinimum(version: string): string | undefined {
  const p = k3sParts(version);
  if (!p || p[0] !== 1) return undefined;
  if (p[1] >= EMBEDDED_REGISTRY_ALL_FROM_MINOR) return `v1.${p[1]}.0+k3s1`;
  return EMBEDDED_REGISTRY_SINCE[p[1]];
}

/** Whether a K3s release (v1.28.6+k3s1) has the embedded registry mirror (`--embedded-registry`). */
export function hasEmbeddedRegistry(version: string): boolean {
  const p = k3sParts(version);
  const min = embeddedRegistryMinimum(version);
  const q = min ? k3sParts(min) : undefined;
  if (!p || !q) return false;
  for (let i = 2; i < 4; i++) if (p[i] !== q[i]) return p[i] > q[i];
  return true;
}
