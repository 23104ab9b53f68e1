/**
 * Capacity accounting: what the rendered workloads request versus what the site's nodes can give.
 *
 * Allocatable = node capacity − a K3s/system reserve (docs/decisions/0004-capacity-reserve.md):
 * - server nodes run the K3s server (API server, controller manager, scheduler, kine/SQLite or etcd),
 *   containerd and the OS: 500 millicores and 1,024 MiB reserved;
 * - agent nodes run the kubelet, kube-proxy, flannel, containerd and the OS: 250 millicores and 512 MiB;
 * - plus the kubelet's default hard eviction threshold `memory.available<100Mi` on every node.
 * These follow the K3s requirements page (server minimum 2 cores / 2 GB, agent 1 core / 512 MB) and measured
 * K3s server footprints of 500–800 MiB on Raspberry Pi 4 class hardware.
 */
import { NodeSpec } from './schema';

export const RESERVE = {
  server: { cpuMillicores: 500, memoryMiB: 1024 },
  agent: { cpuMillicores: 250, memoryMiB: 512 },
  evictionMemoryMiB: 100,
} as const;

export interface Resources {
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
}

export function allocatable(node: NodeSpec): Resources {
  const reserve = RESERVE[node.role];
  return {
    cpuMillicores: node.cpuCores * 1000 - reserve.cpuMillicores,
    memoryMiB: node.memoryGiB * 1024 - reserve.memoryMiB - RESERVE.evictionMemoryMiB,
  };
}

export function siteAllocatable(nodes: readonly NodeSpec[]): Resources {
  return nodes.map(allocatable).reduce(add, { cpuMillicores: 0, memoryMiB: 0 });
}

export function add(a: Resources, b: Resources): Resources {
  return { cpuMillicores: a.cpuMillicores + b.cpuMillicores, memoryMiB: a.memoryMiB + b.memoryMiB };
}

/** One consumer of site capacity, for the summary and error messages. */
export interface Consumer extends Resources {
  /** `Kind/namespace/name` or a Helm release name. */
  readonly name: string;
  /** Requests of the largest single pod (must fit on one node). */
  readonly podCpuMillicores: number;
  readonly podMemoryMiB: number;
}

/** Parses a Kubernetes CPU quantity into millicores. */
export function cpuMillicores(q: unknown): number {
  if (q === undefined || q === null) return 0;
  const s = String(q);
  if (s.endsWith('m')) return Number(s.slice(0, -1));
  return Math.round(Number(s) * 1000);
}

const MEMORY_UNITS: Record<string, number> = {
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 * 1024,
  k: 1000 / 1048576,
  M: 1e6 / 1048576,
  G: 1e9 / 1048576,
};

/** Parses a Kubernetes memory quantity into MiB. */
export function memoryMiB(q: unknown): number {
  if (q === undefined || q === null) return 0;
  const m = /^(\d+(?:\.\d+)?)([KMGT]i|[kMG])?$/.exec(String(q));
  if (!m) throw new Error(`unsupported memory quantity "${String(q)}"`);
  return m[2] ? Number(m[1]) * MEMORY_UNITS[m[2]] : Number(m[1]) / 1048576;
}

interface PodSpecLike {
  containers?: { resources?: { requests?: Record<string, unknown> } }[];
  initContainers?: { resources?: { requests?: Record<string, unknown> } }[];
}

/** Effective pod requests: max(sum of containers, largest init container), as the scheduler computes them. */
function podRequests(spec: PodSpecLike): Resources {
  const sum = (spec.containers ?? []).reduce(
    (acc, c) => add(acc, { cpuMillicores: cpuMillicores(c.resources?.requests?.cpu), memoryMiB: memoryMiB(c.resources?.requests?.memory) }),
    { cpuMillicores: 0, memoryMiB: 0 },
  );
  let cpu = sum.cpuMillicores;
  let mem = sum.memoryMiB;
  for (const c of spec.initContainers ?? []) {
    cpu = Math.max(cpu, cpuMillicores(c.resources?.requests?.cpu));
    mem = Math.max(mem, memoryMiB(c.resources?.requests?.memory));
  }
  return { cpuMillicores: cpu, memoryMiB: mem };
}

interface ManifestLike {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: {
    replicas?: number;
    template?: { spec?: PodSpecLike };
    jobTemplate?: unknown;
  } & PodSpecLike;
}

/**
 * Requests that rendered manifests place on the site at steady state: replicas × pod requests for
 * Deployments, StatefulSets, Rollouts and Jobs (a Job runs one pod at a time here), nodes × pod requests
 * for DaemonSets.
 */
export function manifestConsumers(objects: readonly unknown[], nodeCount: number): Consumer[] {
  const out: Consumer[] = [];
  for (const raw of objects) {
    const o = raw as ManifestLike;
    let spec: PodSpecLike | undefined;
    let replicas = 1;
    switch (o.kind) {
      case 'Deployment':
      case 'StatefulSet':
      case 'Rollout':
        spec = o.spec?.template?.spec;
        replicas = o.spec?.replicas ?? 1;
        break;
      case 'Job':
        spec = o.spec?.template?.spec;
        break;
      case 'DaemonSet':
        spec = o.spec?.template?.spec;
        replicas = nodeCount;
        break;
      case 'Pod':
        spec = o.spec;
        break;
      default:
        continue;
    }
    if (!spec) continue;
    const pod = podRequests(spec);
    out.push({
      name: `${o.kind}/${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? '?'}`,
      cpuMillicores: pod.cpuMillicores * replicas,
      memoryMiB: pod.memoryMiB * replicas,
      podCpuMillicores: pod.cpuMillicores,
      podMemoryMiB: pod.memoryMiB,
    });
  }
  return out;
}

/** Formats MiB for messages: `1536 MiB (1.5 GiB)`. */
export function formatMiB(mib: number): string {
  const rounded = Math.round(mib);
  return rounded >= 1024 ? `${rounded} MiB (${(rounded / 1024).toFixed(1)} GiB)` : `${rounded} MiB`;
}
