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
