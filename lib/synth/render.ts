/**
 * Renders one site in memory: one cdk8s App, one Chart per enabled layer, then the capacity check over
 * what the charts request. Returns file contents; writing is the writer's job, so the same function serves
 * the CLI, the worker threads and the tests.
 */
import { App } from 'cdk8s';
import { add, Consumer, declaredRequests, formatMiB, manifestConsumers, Resources, siteAllocatable, allocatable } from '../capacity';
import { InputError } from '../errors';
import { LayerDefinition } from '../layer';
import { LAYERS } from '../layers';
import { SiteContext } from '../site';
import { toYaml } from './yaml';

export interface RenderedFile {
  /** Path relative to the output folder, e.g. `warehouse/baseline.k8s.yaml`. */
  readonly path: string;
  readonly content: string;
}

export interface LayerSummary {
  readonly layer: string;
  readonly objects: number;
}

export interface SiteSummary {
  readonly site: string;
  readonly layers: readonly LayerSummary[];
  readonly requests: Resources;
  readonly allocatable: Resources;
}

export interface RenderedSite {
  readonly files: readonly RenderedFile[];
  readonly summary: SiteSummary;
}


export function renderSite(ctx: SiteContext, layers: readonly LayerDefinition[] = LAYERS): RenderedSite {
  const { site } = ctx;
  const app = new App({ outdir: `${ctx.catalog.platform.distPath}/${site.name}` });
  const enabled = layers.filter((l) => l.enabled(site));
  const charts = enabled.map((l) => ({ layer: l.name, chart: l.build(app, ctx, layers) }));
  const files: RenderedFile[] = [];
  const summaries: LayerSummary[] = [];
  const consumers: Consumer[] = [];
  for (const { layer, chart } of charts) {
    const objects = chart.toJson();
    consumers.push(...manifestConsumers(objects, site.nodes.length), ...declaredRequests(chart));
    files.push({ path: `${site.name}/${layer}.k8s.yaml`, content: toYaml(objects) });
    summaries.push({ layer, objects: objects.length });
  }
  const requests = consumers.reduce<Resources>(add, { cpuMillicores: 0, memoryMiB: 0 });
  const capacity = siteAllocatable(site.nodes);
  checkCapacity(ctx, consumers, requests, capacity);
  return { files, summary: { site: site.name, layers: summaries, requests, allocatable: capacity } };
}

function checkCapacity(ctx: SiteContext, consumers: readonly Consumer[], requests: Resources, capacity: Resources): void {
  const { site, file } = ctx;
  const top = [...consumers]
    .sort((a, b) => b.memoryMiB - a.memoryMiB)
    .slice(0, 3)
    .map((c) => `${c.name} ${formatMiB(c.memoryMiB)}`)
    .join(', ');
  if (requests.memoryMiB > capacity.memoryMiB || requests.cpuMillicores > capacity.cpuMillicores) {
    throw new InputError(
      file,
      'nodes',
      `${site.nodes.length} node(s)`,
      `site "${site.name}" does not have the capacity its workloads request: requests cpu ${requests.cpuMillicores}m / memory ${formatMiB(requests.memoryMiB)}, ` +
        `allocatable cpu ${capacity.cpuMillicores}m / memory ${formatMiB(capacity.memoryMiB)} (node capacity minus the K3s/system reserve); largest: ${top}`,
      'add a node or more memory to the site, or lower layers.*.resources / replicas, or switch a layer off',
    );
  }
  const nodes = site.nodes.map(allocatable);
  const maxMem = Math.max(...nodes.map((n) => n.memoryMiB));
  const maxCpu = Math.max(...nodes.map((n) => n.cpuMillicores));
  for (const c of consumers) {
    if (c.podMemoryMiB > maxMem || c.podCpuMillicores > maxCpu) {
      throw new InputError(
        file,
        'nodes',
        `largest node allocatable cpu ${maxCpu}m / memory ${formatMiB(maxMem)}`,
        `site "${site.name}": one pod of ${c.name} requests cpu ${c.podCpuMillicores}m / memory ${formatMiB(c.podMemoryMiB)} and fits on no node`,
        'add a larger node or lower the resources of that workload in the inventory',
      );
    }
  }
}
