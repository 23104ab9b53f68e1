/**
 * Names and ports of the mesh layer: a public contract (Argo CD prunes by name, Terraform creates the identity
 * objects under these names, NetworkPolicies and alerts select by them). Ports are the linkerd-control-plane
 * 1.16.11 chart's own (values.yaml `proxy.ports`, templates/destination.yaml, identity.yaml, proxy-injector.yaml);
 * test/mesh checks them against the real `helm template` output.
 */
import { LINKERD_PROXY_INBOUND_PORT, MESH_CONTROL_PLANE_PORTS } from '../../lib/constructs/mesh';

/** Namespace of the Linkerd control plane (identity, destination + policy, proxy injector). */
export const LINKERD_NAMESPACE = 'linkerd';
/** Namespace of the linkerd-cni DaemonSet (host paths: Pod Security privileged). */
export const LINKERD_CNI_NAMESPACE = 'linkerd-cni';
/** Namespace of the linkerd-smi extension (the smi-adaptor, meshed itself), where the inference canary goes through the mesh. */
export const LINKERD_SMI_NAMESPACE = 'linkerd-smi';

/** Helm release names (Argo CD Applications `<site>-<release>`). */
export const RELEASES = {
  crds: 'linkerd-crds',
  cni: 'linkerd-cni',
  controlPlane: 'linkerd-control-plane',
  smi: 'linkerd-smi',
} as const;

/**
 * Objects Terraform creates per site at bootstrap (terraform/modules/linkerd-identity), read by the control
 * plane because `identity.externalCA` is true and the issuer scheme is `kubernetes.io/tls`.
 */
export const IDENTITY_OBJECTS = {
  /** ConfigMap with the trust anchor certificate, key `ca-bundle.crt` (templates/identity.yaml). */
  trustRootsConfigMap: 'linkerd-identity-trust-roots',
  /** Secret of type kubernetes.io/tls with the issuer's `tls.crt`, `tls.key` and the anchor as `ca.crt`. */
  issuerSecret: 'linkerd-identity-issuer',
} as const;

export const PORTS = {
  /** Proxy inbound: meshed clients connect here directly for opaque (non-HTTP) traffic. */
  proxyInbound: LINKERD_PROXY_INBOUND_PORT,
  /** Proxy admin: /metrics (Prometheus), /ready and /live (kubelet). Container port name `linkerd-admin`. */
  proxyAdmin: 4191,
  /** linkerd-identity gRPC: proxies obtain their mTLS certificates. */
  identity: MESH_CONTROL_PLANE_PORTS.identity,
  /** linkerd-destination gRPC: service discovery and the peer identities for mTLS. */
  destination: MESH_CONTROL_PLANE_PORTS.destination,
  /** linkerd-policy gRPC (policy controller in the destination pod): inbound authorization policy. */
  policy: MESH_CONTROL_PLANE_PORTS.policy,
  /** Webhooks called by the API server: proxy injector and ServiceProfile validator (both container port 8443). */
  webhook: 8443,
  /** Policy validator webhook (policy controller, container port `policy-https`). */
  policyWebhook: 9443,
  /** Controller admin ports (container port name `admin-http`): identity and policy 9990, injector 9995, destination 9996, sp-validator 9997. */
  controllerAdmin: [9990, 9995, 9996, 9997],
} as const;


/**
 * K3s paths the CNI plugin writes to (K3s keeps its CNI configuration and binaries outside /etc/cni and
 * /opt/cni): the flannel conflist lives in agent/etc/cni/net.d, the binaries in data/<hash>/bin, reached through
 * the `current` symlink K3s maintains. After a K3s upgrade the linkerd-cni pods must be restarted so that the
 * plugin is copied into the new data directory (docs/runbooks/linkerd-proxy-missing.md).
 */
export const K3S_CNI_PATHS = {
  netDir: '/var/lib/rancher/k3s/agent/etc/cni/net.d',
  binDir: '/var/lib/rancher/k3s/data/current/bin',
} as const;
