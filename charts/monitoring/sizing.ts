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
import { ContainerSize } from '../../lib/constructs/sizing';
import { Site } from '../../lib/model/schema';


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
} as const satisfies Record<string, Partial<ContainerSize>>;


/** Rounds MiB up to a multiple of 32 (readable limits, stable under small node changes). */
const roundMiB = (mib: number): number => Math.ceil(mib / 32) * 32;
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Smallest node memory of the site: a collector pod may land on any node. */
function smallestNodeMiB(site: Site): number {
  return Math.min(...site.nodes.map((n) => n.memoryGiB * 1024));
}

/**
 * The collectors' memory, sized from the smallest node: the gateway (traces and logs of the site, the
 * persistent queue's in-flight batches) 2.5% of it, the log agent on every node 1.5%, each within bounds
 * that a Raspberry Pi 4 with 4 GiB still affords. memory_limiter refuses data at 80% of the limit (spike 20%).
 */
export function collectorSizes(site: Site): { gateway: ContainerSize; agent: ContainerSize } {
  const node = smallestNodeMiB(site);
  return {
    gateway: { cpuMillicores: 50, cpuLimitMillicores: 500, memoryMiB: roundMiB(clamp(node * 0.025, 128, 512)) },
    agent: { cpuMillicores: 30, cpuLimitMillicores: 300, memoryMiB: roundMiB(clamp(node * 0.015, 64, 256)) },
  };
}

/** memory_limiter settings for a container of `memoryMiB`. */
export function memoryLimiter(memoryMiB: number): { check_interval: string; limit_mib: number; spike_limit_mib: number } {
  return { check_interval: '1s', limit_mib: Math.floor(memoryMiB * 0.8), spike_limit_mib: Math.floor(memoryMiB * 0.2) };
}

/**
 * Estimated telemetry a site produces while its uplink is down, MiB per hour per node (logs of K3s, the
 * platform's pods and the workloads at info level, plus inference spans), as the persistent queue stores it
 * (uncompressed OTLP protobuf). A planning figure: docs/monitoring.md gives it for every sample site.
 */
export const TELEMETRY_MIB_PER_NODE_HOUR = 40;
/** Average size of one queued request (one batch of ≤ 1024 log records or spans), KiB. */
const QUEUED_REQUEST_KIB = 512;

export interface TelemetryBuffer {
  /** PVC of the gateway's persistent sending queue. */
  readonly volumeGiB: number;
  /** sending_queue.queue_size (requests) of each exporter: together they fill at most 90% of the volume. */
  readonly queueSize: { readonly logs: number; readonly traces: number };
  /** Hours of uplink outage the queue covers at TELEMETRY_MIB_PER_NODE_HOUR before new data is dropped. */
  readonly hours: number;
}

/**
 * The persistent queue's budget, sized from the site's monitoring disk (`layers.monitoring.storageGiB`, the
 * disk the site gives to telemetry): a quarter of it, at least 1 GiB, on top of Prometheus' volume. Logs take
 * three quarters of the queue, traces one quarter.
 */
export function telemetryBuffer(site: Site): TelemetryBuffer {
  const volumeGiB = Math.max(1, Math.floor(site.layers.monitoring.storageGiB / 4));
  const usableMiB = volumeGiB * 1024 * 0.9;
  const requests = Math.floor((usableMiB * 1024) / QUEUED_REQUEST_KIB);
  const logs = Math.floor(requests * 0.75);
  const hours = Math.floor(usableMiB / (site.nodes.length * TELEMETRY_MIB_PER_NODE_HOUR));
  return { volumeGiB, queueSize: { logs, traces: requests - logs }, hours };
}
