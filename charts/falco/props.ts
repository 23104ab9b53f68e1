/** The Falco layer's props, decided once from the site file (`layers.falco`). */
import { ResolveContext } from '../../lib/constructs/layer';

/**
 * Falco's container resources. Falco keeps a table of every thread and file descriptor on the node and the
 * modern eBPF ring buffers (buf_size_preset 4 = 8 MiB per buffer, one buffer per 2 CPUs); the chart's default
 * request of 512 MiB is sized for large servers. 384 MiB fits a 4-core edge node with headroom (ADR 0028);
 * memory limit = request as everywhere in this project, CPU may burst while a rule storm is evaluated.
 */
export const FALCO_RESOURCES = { cpuMillicores: 100, cpuLimitMillicores: 1000, memoryMiB: 384 } as const;

export interface FalcoProps {
  /** Site name (labels only). */
  readonly site: string;
  /** Nodes of the site: the DaemonSet runs one pod on each (capacity check). */
  readonly nodeCount: number;
  /** Addresses of the K3s server nodes (the API server, for namespaces that may reach it). */
  readonly serverIps: readonly string[];
  /** The site runs the monitoring layer: Prometheus scrapes Falco and evaluates its alerts. */
  readonly monitoring: boolean;
}

export function resolveFalcoProps(ctx: ResolveContext): FalcoProps | undefined {
  if (!(ctx.site.layers.falco?.enabled ?? false)) return undefined;
  return {
    site: ctx.site.name,
    nodeCount: ctx.site.nodes.length,
    serverIps: ctx.site.nodes.filter((n) => n.role === 'server').map((n) => n.ip),
    monitoring: ctx.isActive('monitoring'),
  };
}
