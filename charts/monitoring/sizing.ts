/**
 * Requests and limits of the monitoring stack, sized for a Raspberry Pi 4 site (4 cores, 4–8 GiB shared
 * with K3s, inference and maybe an LLM). Prometheus memory is a site fact (`layers.monitoring.
 * prometheusMemoryMiB`); everything else is small and fixed. Memory limit = request, like every workload of
 * the platform (no overcommit of the scarcest edge resource); CPU limits allow short bursts.
 *
 * Figures: steady-state usage of these components on small clusters is well below the requests (kube-
 * state-metrics ~20–40 MiB for a few hundred objects, node-exporter ~15 MiB, blackbox ~10 MiB, Alertmanager
 * ~20–30 MiB with a handful of alerts, the operator ~40–60 MiB); the requests leave about 50% headroom.
 */
import { Consumer } from '../../lib/model/capacity';

export interface ComponentSize {
  /** CPU request in millicores. */
  readonly cpuMillicores: number;
  /** CPU limit in millicores. */
  readonly cpuLimitMillicores: number;
  /** Memory request and limit in MiB. */
  readonly memoryMiB: number;
}

export const SIZES = {
  /** Prometheus memory comes from the inventory; CPU: rule evaluation and compaction bursts. */
  prometheusCpu: { cpuMillicores: 200, cpuLimitMillicores: 1000 },
  configReloader: { cpuMillicores: 10, cpuLimitMillicores: 50, memoryMiB: 32 },
  alertmanager: { cpuMillicores: 10, cpuLimitMillicores: 100, memoryMiB: 48 },
  operator: { cpuMillicores: 50, cpuLimitMillicores: 200, memoryMiB: 96 },
  kubeStateMetrics: { cpuMillicores: 20, cpuLimitMillicores: 200, memoryMiB: 64 },
  nodeExporter: { cpuMillicores: 20, cpuLimitMillicores: 200, memoryMiB: 32 },
  grafana: { cpuMillicores: 50, cpuLimitMillicores: 500, memoryMiB: 192 },
  grafanaSidecar: { cpuMillicores: 10, cpuLimitMillicores: 100, memoryMiB: 64 },
  blackbox: { cpuMillicores: 10, cpuLimitMillicores: 100, memoryMiB: 32 },
  otelCollector: { cpuMillicores: 50, cpuLimitMillicores: 500, memoryMiB: 128 },
} as const satisfies Record<string, Partial<ComponentSize>>;

/** Kubernetes `resources` for a container. */
export function resources(s: ComponentSize): { requests: Record<string, string>; limits: Record<string, string> } {
  return {
    requests: { cpu: `${s.cpuMillicores}m`, memory: `${s.memoryMiB}Mi` },
    limits: { cpu: `${s.cpuLimitMillicores}m`, memory: `${s.memoryMiB}Mi` },
  };
}

/** A capacity consumer for one pod (`replicas` copies, e.g. one per node for a DaemonSet). */
export function consumer(name: string, pod: readonly ComponentSize[], replicas = 1): Consumer {
  const cpu = pod.reduce((a, c) => a + c.cpuMillicores, 0);
  const mem = pod.reduce((a, c) => a + c.memoryMiB, 0);
  return { name, cpuMillicores: cpu * replicas, memoryMiB: mem * replicas, podCpuMillicores: cpu, podMemoryMiB: mem };
}
