/**
 * How the platform sizes the containers it installs through Helm charts (Argo CD, monitoring, Kyverno, Falco,
 * Linkerd, Argo Rollouts): one CPU request and limit, one memory figure used as request and limit (no
 * overcommit of the scarcest edge resource; CPU may burst to its limit). The same size gives the chart's
 * `resources` block and the capacity check's consumer, so the two cannot disagree.
 */
import { Consumer } from '../model/capacity';

/** Size of one container: CPU request and limit in millicores, memory request = limit in MiB. */
export interface ContainerSize {
  readonly cpuMillicores: number;
  readonly cpuLimitMillicores: number;
  readonly memoryMiB: number;
}

/** The Kubernetes `resources` block of a container of that size. */
export function containerResources(s: ContainerSize): { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } } {
  return {
    requests: { cpu: `${s.cpuMillicores}m`, memory: `${s.memoryMiB}Mi` },
    limits: { cpu: `${s.cpuLimitMillicores}m`, memory: `${s.memoryMiB}Mi` },
  };
}

/** A capacity consumer for a pod made of these containers, `replicas` copies (e.g. one per node for a DaemonSet). */
export function podConsumer(name: string, containers: readonly ContainerSize[], replicas = 1): Consumer {
  const cpu = containers.reduce((a, c) => a + c.cpuMillicores, 0);
  const mem = containers.reduce((a, c) => a + c.memoryMiB, 0);
  return { name, cpuMillicores: cpu * replicas, memoryMiB: mem * replicas, podCpuMillicores: cpu, podMemoryMiB: mem };
}
