/**
 * Renders one site in memory: resolve every layer of the registry once (which are active, with what props),
 * build one cdk8s Chart per active layer, then the capacity check over what the charts request. Returns file
 * contents; writing is the writer's job, so the same function serves the CLI, the worker threads and the tests.
 */
import { App } from 'cdk8s';
import { ActiveLayer, LayerDefinition, LayerRelease, ResolvedLayer, SiteView } from '../constructs/layer';
import { add, allocatable, Consumer, formatMiB, manifestConsumers, Resources, siteAllocatable } from '../model/capacity';
import { InputError } from '../model/errors';
import { SiteContext } from '../model/site';
import { LAYERS } from './registry';
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
  /** The site's active layers as the charts saw them (the hub facts are taken from it, not resolved again). */
  readonly view: SiteView;
}

/** A site with its layers resolved: the active ones in registry order, and the view the charts are built from. */
export interface ResolvedSite {
  readonly layers: readonly ResolvedLayer[];
  readonly view: SiteView;
}

/**
 * Resolves every layer once. A layer's resolver may ask whether the layers named in its `reads` are active;
 * those are resolved first (the registry order decides otherwise; a cycle is a programming error).
 */
export function resolveSite(ctx: SiteContext, layers: readonly LayerDefinition[] = LAYERS): ResolvedSite {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const resolved = new Map<string, ResolvedLayer | undefined>();
  const resolving = new Set<string>();
  const resolveOne = (l: LayerDefinition): ResolvedLayer | undefined => {
    if (resolved.has(l.name)) return resolved.get(l.name);
    if (resolving.has(l.name)) throw new Error(`layer "${l.name}": its reads form a cycle (${[...resolving].join(' → ')} → ${l.name})`);
    resolving.add(l.name);
    const isActive = (name: string): boolean => {
      const other = byName.get(name);
      if (!l.reads.includes(name) || !other) throw new Error(`layer "${l.name}" asked whether "${name}" is active: list it in the layer's reads (and register it)`);
      return resolveOne(other) !== undefined;
    };
    const r = l.resolve({ ...ctx, isActive });
    resolving.delete(l.name);
    resolved.set(l.name, r);
    return r;
  };
  const active = layers.map(resolveOne).filter((r): r is ResolvedLayer => r !== undefined);
  const siteLayers = { layers: active.map(({ name, namespaces, telemetry, requests }): ActiveLayer => ({ name, namespaces, telemetry, requests })) };
  const releases: LayerRelease[] = active.flatMap((l) => l.releases(siteLayers).map((release) => ({ layer: l.name, release })));
  return { layers: active, view: { ...siteLayers, releases } };
}

export function renderSite(ctx: SiteContext, layers: readonly LayerDefinition[] = LAYERS): RenderedSite {
  const { site } = ctx;
  const app = new App({ outdir: `${ctx.catalog.platform.distPath}/${site.name}` });
  const { layers: active, view } = resolveSite(ctx, layers);
  const files: RenderedFile[] = [];
  const summaries: LayerSummary[] = [];
  const consumers: Consumer[] = [];
  for (const layer of active) {
    const objects = layer.build(app, view).toJson();
    consumers.push(...manifestConsumers(objects, site.nodes.length));
    files.push({ path: `${site.name}/${layer.name}.k8s.yaml`, content: toYaml(objects) });
    summaries.push({ layer: layer.name, objects: objects.length });
  }
  // What the layers cause to run without rendering the pods: Helm releases and declared requests.
  consumers.push(...view.releases.flatMap((r) => r.release.requests), ...active.flatMap((l) => l.requests));
  const requests = consumers.reduce<Resources>(add, { cpuMillicores: 0, memoryMiB: 0 });
  const capacity = siteAllocatable(site.nodes);
  checkCapacity(ctx, consumers, requests, capacity);
  return { files, summary: { site: site.name, layers: summaries, requests, allocatable: capacity }, view };
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
