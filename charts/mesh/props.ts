/**
 * Resolves `layers.mesh` of a site into the props of the mesh layer: the proxy size, which workloads get a
 * proxy (the inference and Ollama servers, when those layers run), and what the control plane costs. Pure.
 *
 * Which namespaces are meshed is decided here, from the activity of the inference and Ollama layers (the
 * layer's `reads`); those layers read `layers.mesh.enabled` from the inventory to annotate their pod templates,
 * so both sides answer the same question from the same file.
 */
import { Consumer } from '../../lib/model/capacity';
import { MeshSpec, NodeSpec, Site } from '../../lib/model/schema';

/** Size of one container: request in millicores / MiB; CPU may burst to the limit, memory limit = request. */
export interface ContainerSize {
  readonly cpuMillicores: number;
  readonly cpuLimitMillicores: number;
  readonly memoryMiB: number;
}

/** A workload whose pods get a proxy. */
export interface MeshedWorkload {
  /** `Kind/namespace/name` for the capacity summary. */
  readonly name: string;
  readonly namespace: string;
  /** Pods at steady state (HPA floor, StatefulSet replicas): each carries one proxy. */
  readonly replicas: number;
}

export interface MeshProps {
  readonly site: string;
  /** Every injected proxy (workloads and the control plane's own). */
  readonly proxy: ContainerSize;
  /** Workloads whose pod templates carry `linkerd.io/inject: enabled`. */
  readonly workloads: readonly MeshedWorkload[];
  /** Namespaces of those workloads: they talk to the control plane and are scraped on the proxy admin port. */
  readonly meshedNamespaces: readonly string[];
  /** K3s server nodes: the API server calls the webhooks from their addresses. */
  readonly serverNodes: readonly NodeSpec[];
  readonly nodeCount: number;
  /** The site runs the monitoring layer (PodMonitor CRD, Prometheus to scrape and alert). */
  readonly monitored: boolean;
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
} as const satisfies Record<string, ContainerSize>;

/** The mesh layer's props; `inference`/`ollama`: whether those layers run at the site. */
export function resolveMeshProps(site: Site, spec: MeshSpec, active: { readonly inference: boolean; readonly ollama: boolean; readonly monitoring: boolean }): MeshProps {
  const workloads: MeshedWorkload[] = [];
  // Namespaces and names are the inference and Ollama layers' public names (charts/inference/names.ts,
  // charts/ollama/props.ts), spelled here because a layer imports no other layer's folder.
  if (active.inference) workloads.push({ name: 'Rollout/inference/inference-server', namespace: 'inference', replicas: site.layers.inference.replicas });
  if (active.ollama) workloads.push({ name: 'StatefulSet/ollama/ollama', namespace: 'ollama', replicas: site.layers.ollama.replicas });
  return {
    site: site.name,
    proxy: { cpuMillicores: spec.proxyCpuMillicores, cpuLimitMillicores: spec.proxyCpuMillicores * 10, memoryMiB: spec.proxyMemoryMiB },
    workloads,
    meshedNamespaces: [...new Set(workloads.map((w) => w.namespace))].sort(),
    serverNodes: site.nodes.filter((n) => n.role === 'server'),
    nodeCount: site.nodes.length,
    monitored: active.monitoring,
  };
}

function sum(containers: readonly ContainerSize[]): { cpu: number; mem: number } {
  return { cpu: containers.reduce((a, c) => a + c.cpuMillicores, 0), mem: containers.reduce((a, c) => a + c.memoryMiB, 0) };
}

function consumer(name: string, containers: readonly ContainerSize[], replicas: number): Consumer {
  const pod = sum(containers);
  return { name, cpuMillicores: pod.cpu * replicas, memoryMiB: pod.mem * replicas, podCpuMillicores: pod.cpu, podMemoryMiB: pod.mem };
}

/**
 * The proxies the injector adds at admission: not in any rendered manifest, so declared here for the capacity
 * check. One per pod of each meshed workload. Counted as consumers of their own (`+ linkerd-proxy`): a proxy
 * lives in its workload's pod, so the per-pod fit of the workload itself is checked by its own layer's sizing
 * plus this figure.
 */
export function proxyConsumers(props: MeshProps): Consumer[] {
  return props.workloads.map((w) => consumer(`${w.name} + linkerd-proxy ×${w.replicas}`, [props.proxy], w.replicas));
}

/** The control plane's pods (each with its own proxy) and the CNI DaemonSet. */
export function controlPlaneConsumers(props: MeshProps): { readonly controlPlane: Consumer[]; readonly cni: Consumer[] } {
  const s = CONTROL_PLANE_SIZES;
  return {
    controlPlane: [
      consumer('linkerd-control-plane/destination', [s.destination, s.spValidator, s.policy, props.proxy], 1),
      consumer('linkerd-control-plane/identity', [s.identity, props.proxy], 1),
      consumer('linkerd-control-plane/proxy-injector', [s.proxyInjector, props.proxy], 1),
    ],
    cni: [consumer('linkerd-cni', [s.cni], props.nodeCount)],
  };
}
