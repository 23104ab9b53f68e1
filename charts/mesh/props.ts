/**
 * Resolves `layers.mesh` of a site into the props of the mesh layer, and sizes what the mesh itself runs: the
 * control plane (three pods, each with its own proxy) and the CNI installer on every node. Pure.
 *
 * The workloads' proxies are counted by the layers that own the pods (inference, Ollama: lib/constructs/mesh.ts
 * `proxyConsumer`), since a proxy lives in their pods; which of their namespaces are meshed is read from the
 * site's active layers when the chart is built.
 */
import { Consumer } from '../../lib/model/capacity';
import { MESH_PROXY, meshTrafficSplit } from '../../lib/constructs/mesh';
import { ContainerSize, podConsumer } from '../../lib/constructs/sizing';
import { NodeSpec, Site } from '../../lib/model/schema';


export interface MeshProps {
  readonly site: string;
  /** Every injected proxy (workloads and the control plane's own). */
  readonly proxy: ContainerSize;
  /** K3s server nodes: the API server calls the webhooks from their addresses. */
  readonly serverNodes: readonly NodeSpec[];
  readonly nodeCount: number;
  /** The site runs the monitoring layer (PodMonitor CRD, Prometheus to scrape and alert). */
  readonly monitored: boolean;
  /** The inference canary is weighted through the mesh: the linkerd-smi extension runs (lib/constructs/mesh.ts meshTrafficSplit). */
  readonly trafficSplit: boolean;
}

/** Containers of the control plane (memory limit = request, like every workload of the platform). */
export const CONTROL_PLANE_SIZES = {
  destination: { cpuMillicores: 20, cpuLimitMillicores: 500, memoryMiB: 96 },
  spValidator: { cpuMillicores: 10, cpuLimitMillicores: 200, memoryMiB: 32 },
  policy: { cpuMillicores: 10, cpuLimitMillicores: 500, memoryMiB: 48 },
  identity: { cpuMillicores: 10, cpuLimitMillicores: 200, memoryMiB: 32 },
  proxyInjector: { cpuMillicores: 10, cpuLimitMillicores: 500, memoryMiB: 48 },
  /** The linkerd-cni installer (one per node: it copies the plugin and then watches its config file). */
  cni: { cpuMillicores: 10, cpuLimitMillicores: 100, memoryMiB: 32 },
  /** linkerd-smi's adaptor (one controller watching TrafficSplits; the chart's default is 20 MiB, 100m). */
  smiAdaptor: { cpuMillicores: 10, cpuLimitMillicores: 100, memoryMiB: 32 },
} as const satisfies Record<string, ContainerSize>;

export function resolveMeshProps(site: Site, monitored: boolean): MeshProps {
  return {
    site: site.name,
    proxy: MESH_PROXY,
    serverNodes: site.nodes.filter((n) => n.role === 'server'),
    nodeCount: site.nodes.length,
    monitored,
    trafficSplit: meshTrafficSplit(site),
  };
}


/** The control plane's pods (each with its own proxy) and the CNI DaemonSet. */
export function controlPlaneConsumers(props: MeshProps): { readonly controlPlane: Consumer[]; readonly cni: Consumer[] } {
  const s = CONTROL_PLANE_SIZES;
  return {
    controlPlane: [
      podConsumer('linkerd-control-plane/destination', [s.destination, s.spValidator, s.policy, props.proxy], 1),
      podConsumer('linkerd-control-plane/identity', [s.identity, props.proxy], 1),
      podConsumer('linkerd-control-plane/proxy-injector', [s.proxyInjector, props.proxy], 1),
    ],
    cni: [podConsumer('linkerd-cni', [s.cni], props.nodeCount)],
  };
}

/** The linkerd-smi adaptor's pod, with the proxy the injector adds (the chart annotates it `linkerd.io/inject`). */
export function smiConsumers(props: MeshProps): Consumer[] {
  return props.trafficSplit ? [podConsumer('linkerd-smi/smi-adaptor', [CONTROL_PLANE_SIZES.smiAdaptor, props.proxy], 1)] : [];
}
