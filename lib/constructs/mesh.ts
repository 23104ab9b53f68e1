/**
 * The contract between the mesh layer (charts/mesh) and the layers whose pods it meshes (inference, Ollama),
 * docs/decisions/0029-linkerd-service-mesh.md. A meshed layer asks `ctx.isActive(MESH_LAYER)` in its resolver
 * (listing it in its `reads`), then:
 * - annotates its pod templates with {@link meshPodAnnotations} (the Linkerd proxy injector adds the proxy);
 * - counts the proxies in its own `requests` with {@link proxyConsumer} (a proxy lives in the layer's pod, which
 *   no rendered manifest shows);
 * - admits {@link LINKERD_PROXY_INBOUND_PORT} from its clients (meshed clients may connect to it directly).
 */
import { Consumer } from '../model/capacity';
import { Site } from '../model/schema';

/** Name of the mesh layer (for `reads` and `isActive`). */
export const MESH_LAYER = 'mesh';

/** Namespaces whose workloads the platform meshes; the mesh layer renders their control-plane edges and alerts. */
export const MESHED_NAMESPACES = ['inference', 'ollama'] as const;

/**
 * Requests of one injected Linkerd proxy (linkerd-control-plane values `proxy.resources`): small for the edge.
 * The chart ships no default; its HA values request 20 MiB with a 250 MiB limit, and a proxy serving a few
 * hundred requests per second uses some 10–30 MiB. Memory limit = request like every workload of the platform;
 * CPU may burst to 10× for TLS handshakes.
 */
export const MESH_PROXY = { cpuMillicores: 20, cpuLimitMillicores: 200, memoryMiB: 48 } as const;

/** Pod-template annotations of a meshed workload (`linkerd.io/inject: enabled`); none when the site runs no mesh. */
export function meshPodAnnotations(meshed: boolean): Record<string, string> {
  return meshed ? { 'linkerd.io/inject': 'enabled' } : {};
}

/**
 * What every proxy dials in the control plane (linkerd namespace): identity (mTLS certificates), destination
 * (discovery and peer identities) and policy (inbound authorization). The mesh layer's NetworkPolicies and the
 * Falco rules of meshed namespaces both read this.
 */
export const MESH_CONTROL_PLANE_PORTS = { identity: 8080, destination: 8086, policy: 8090 } as const;

/** Linkerd proxy inbound port (linkerd-control-plane values `proxy.ports.inbound`). */
export const LINKERD_PROXY_INBOUND_PORT = 4143;

/** The proxies of `replicas` pods of a workload (`Kind/namespace/name`), for the capacity check. */
export function proxyConsumer(workload: string, replicas: number): Consumer {
  return {
    name: `${workload} linkerd-proxy ×${replicas}`,
    cpuMillicores: MESH_PROXY.cpuMillicores * replicas,
    memoryMiB: MESH_PROXY.memoryMiB * replicas,
    podCpuMillicores: MESH_PROXY.cpuMillicores,
    podMemoryMiB: MESH_PROXY.memoryMiB,
  };
}

/**
 * Whether the inference canary is weighted through the mesh at a site (ADR 0029 decision 5): the mesh is on and
 * the inference layer rolls out with the canary strategy. Then the inference layer gives its Rollout SMI traffic
 * routing (root, stable and canary Services) and the mesh layer installs linkerd-smi, whose adaptor turns the
 * TrafficSplit Argo Rollouts writes into Linkerd routing. One function, so that the two layers cannot disagree.
 */
export function meshTrafficSplit(site: Site): boolean {
  return site.layers.mesh?.enabled === true && site.layers.inference.enabled && site.layers.inference.strategy === 'canary';
}
