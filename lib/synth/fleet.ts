/**
 * Renders a set of sites, sequentially or on worker threads, streaming each file into the output
 * transaction's staging folder as soon as it is rendered (memory stays bounded by one site). Both paths run
 * the same `renderSite` on the same inputs, so their output is byte-identical (a test checks it).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError } from '../model/errors';
import { LoadedSite } from '../model/load';
import { FLEET_OUTPUTS, hubFactsOf, SiteHubFacts } from './hub';
import { Catalog } from '../model/site';
import { CacheConfig, hubKey, OutputIndex, RenderCache, sha256, siteKey } from './cache';
import { RenderedFile, renderSite, SiteSummary } from './render';
import { toYaml } from './yaml';
import { FileStamp, StagedFile, stageFile, StagingTarget } from './writer';

export interface FleetRender {
  readonly staged: StagedFile[];
  readonly summaries: SiteSummary[];
  /** Sites (and fleet outputs) served from the render cache instead of rendered. */
  readonly cached: number;
  /** Sites rendered in this run (not served from the cache); `hub` for the fleet outputs. */
  readonly fresh: string[];
  /** Per site (in order), what the hub outputs need; only for full runs. */
  readonly hubFacts: SiteHubFacts[];
}

export interface RenderOptions {
  /** Worker threads; 0 = automatic (threads only pay off beyond a few dozen sites). */
  readonly jobs: number;
  /** Rendering only some sites (`--site`): fleet-level outputs (the hub) are not rendered. */
  readonly partial: boolean;
  /** The output transaction's staging target. */
  readonly target: StagingTarget;
  /** The render cache; undefined = render everything (`--no-cache`, CI's stale check). */
  readonly cache?: CacheConfig;
}

/**
 * Old-generation heap of a worker thread. A worker holds one site's render at a time plus its chunk's small
 * summaries and hub facts; without a cap V8 lets garbage grow to its default (~2 GiB) before collecting, which
 * pushed a 3,000-site run's peak RSS past 600 MiB (docs/benchmarks.md).
 */
const WORKER_HEAP_MIB = 160;

/**
 * Young-generation size of a worker thread. Node 24's V8 sizes the young generation from the machine's memory
 * (far above Node 20's); with its default a 3,000-site run peaked at 650-675 MiB RSS, with 48 MiB at 390 MiB and
 * no slower (docs/benchmarks.md, measured 2026-12-06: 24 MiB 349 MiB, 32 MiB 390 MiB, 64 MiB 481 MiB).
 */
const WORKER_YOUNG_MIB = 48;

/** Sites per worker below which threads cost more than they save (worker start ≈ module load time). */
const MIN_SITES_PER_WORKER = 40;

function workerScript(): string {
  return join(__dirname, 'synth-worker.js');
}

/**
 * Whether the output already holds exactly these bytes: by the output index when the file's stat is the one the
 * index recorded (no read), else by size and SHA-256 (one read, no blob needed). Returns the file's stat, or
 * undefined when the output does not hold them.
 */
function outputHas(target: StagingTarget, path: string, hash: string, bytes: number, index?: OutputIndex): FileStamp | undefined {
  const dest = join(target.out, path);
  try {
    const st = statSync(dest);
    if (st.size !== bytes) return undefined;
    const stamp = { mtimeMs: st.mtimeMs, ino: st.ino };
    const known = index?.[path];
    if (known && known.sha256 === hash && known.mtimeMs === st.mtimeMs && known.ino === st.ino) return stamp;
    return sha256(readFileSync(dest)) === hash ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/** Stages a file whose hash is known: unchanged by the output index or one read, else written to staging. */
function stageHashed(target: StagingTarget, file: RenderedFile, hash: string, index?: OutputIndex): StagedFile {
  const bytes = Buffer.byteLength(file.content);
  const stamp = outputHas(target, file.path, hash, bytes, index);
  return stamp ? { path: file.path, changed: false, bytes, sha256: hash, stamp } : { ...stageFile(target, file), sha256: hash };
}

/**
 * Stages a cached render: files the output already holds are "unchanged" without reading their blobs; the
 * others come from verified blobs. Undefined when the entry is unusable (missing, no hub facts when needed, a
 * missing or damaged blob): the site is then rendered.
 */
function stageCached(
  cache: RenderCache,
  key: string,
  needHub: boolean,
  target: StagingTarget,
  index?: OutputIndex,
): { staged: StagedFile[]; summary: SiteSummary; hub?: SiteHubFacts } | undefined {
  const entry = cache.get(key);
  if (!entry?.summary || (needHub && !entry.hub)) return undefined;
  const plan = entry.files.map((f) => {
    const stamp = outputHas(target, f.path, f.sha256, f.bytes, index);
    return { f, stamp, content: stamp ? undefined : cache.blob(f.sha256) };
  });
  if (plan.some((p) => !p.stamp && p.content === undefined)) return undefined;
  const staged = plan.map(({ f, stamp, content }) =>
    stamp ? { path: f.path, changed: false, bytes: f.bytes, sha256: f.sha256, stamp } : { ...stageFile(target, { path: f.path, content: content! }), sha256: f.sha256 },
  );
  return { staged, summary: entry.summary, hub: entry.hub };
}

/**
 * Renders (or reuses) sites one after the other; `keys[i]` is the cache key of `sites[i]` when caching. With
 * `hubFacts`, also returns what the hub outputs need of each site.
 */
export function renderSequential(
  sites: readonly LoadedSite[],
  catalog: Catalog,
  target: StagingTarget,
  cache?: CacheConfig,
  keys?: readonly string[],
  hubFacts = false,
  index?: OutputIndex,
): FleetRender {
  const staged: StagedFile[] = [];
  const summaries: SiteSummary[] = [];
  const facts: SiteHubFacts[] = [];
  const store = cache && keys ? new RenderCache(cache) : undefined;
  let cached = 0;
  const fresh: string[] = [];
  sites.forEach((s, i) => {
    const hit = store ? stageCached(store, keys![i], hubFacts, target, index) : undefined;
    if (hit) {
      staged.push(...hit.staged);
      summaries.push(hit.summary);
      if (hubFacts) facts.push(hit.hub!);
      cached++;
      return;
    }
    const r = renderSite({ site: s.site, file: s.file, catalog });
    const hub = hubFacts || store ? hubFactsOf(s.site, r.view) : undefined;
    const listed = store?.put(keys![i], r.files, r.summary, hub);
    r.files.forEach((f, k) => staged.push(listed ? stageHashed(target, f, listed[k].sha256, index) : stageFile(target, f)));
    summaries.push(r.summary);
    if (hubFacts) facts.push(hub!);
    fresh.push(s.site.name);
  });
  return { staged, summaries, cached, fresh, hubFacts: facts };
}

interface WorkerReply {
  readonly ok: boolean;
  readonly rendered?: FleetRender;
  readonly error?: { readonly name: string; readonly message: string; readonly stack?: string; readonly input?: unknown };
}

function renderOnWorkers(
  sites: readonly LoadedSite[],
  catalog: Catalog,
  target: StagingTarget,
  workers: number,
  cache: CacheConfig | undefined,
  keys: readonly string[] | undefined,
  hubFacts: boolean,
  index: OutputIndex | undefined,
): Promise<FleetRender> {
  // Contiguous chunks keep the output order trivially equal to the sequential order.
  const size = Math.ceil(sites.length / workers);
  const chunks = Array.from({ length: workers }, (_, i) => i * size)
    .filter((start) => start < sites.length)
    .map((start) => ({ sites: sites.slice(start, start + size), keys: keys?.slice(start, start + size) }));
  const threads = chunks.map((chunk) => new Worker(workerScript(), { workerData: { ...chunk, catalog, target, cache, hubFacts, index }, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MIB, maxYoungGenerationSizeMb: WORKER_YOUNG_MIB } }));
  let firstError: Error | undefined;
  let stopped: Promise<unknown> | undefined;
  // On the first failure every other worker is stopped before the caller aborts the transaction, so no
  // thread keeps writing into a staging folder that is being removed; every chunk reports the first error.
  const stopAll = (): Promise<unknown> => (stopped ??= Promise.all(threads.map((t) => t.terminate())).catch(() => undefined));
  return Promise.all(
    threads.map(
      (worker) =>
        new Promise<FleetRender>((resolvePromise, reject) => {
          let settled = false;
          const fail = (err: Error): void => {
            if (settled) return;
            settled = true;
            firstError ??= err;
            void stopAll().then(() => reject(firstError));
          };
          worker.once('message', (reply: WorkerReply) => {
            if (reply.ok && reply.rendered) {
              settled = true;
              resolvePromise(reply.rendered);
              void worker.terminate();
            } else fail(rebuildError(reply.error));
          });
          worker.once('error', fail);
          // A worker stopped because another one failed exits too; it reports the first error.
          worker.once('exit', (code) => {
            if (code !== 0) fail(new Error(`synth worker exited with code ${code}`));
          });
        }),
    ),
  ).then((parts) => ({ staged: parts.flatMap((p) => p.staged), summaries: parts.flatMap((p) => p.summaries), cached: parts.reduce((n, p) => n + p.cached, 0), fresh: parts.flatMap((p) => p.fresh), hubFacts: parts.flatMap((p) => p.hubFacts) }));
}

function rebuildError(e: WorkerReply['error']): Error {
  if (!e) return new Error('worker failed without an error');
  if (e.name === 'InputError' && e.input) {
    // Keep InputError semantics (one clear message, exit 1) across the thread boundary.
    const i = e.input as { file: string; field: string; value: unknown; problem: string; fix: string };
    return new InputError(i.file, i.field, i.value, i.problem, i.fix);
  }
  const err = new Error(e.message);
  err.stack = e.stack;
  return err;
}

/** Puts the summaries and hub facts of the two parts back in site order (`fromCache[i]` says which part). */
function mergeInOrder(fromCache: readonly boolean[], a: FleetRender, b: FleetRender): FleetRender {
  const summaries: SiteSummary[] = [];
  const hubFacts: SiteHubFacts[] = [];
  let ia = 0;
  let ib = 0;
  for (const hit of fromCache) {
    const part = hit ? a : b;
    const i = hit ? ia++ : ib++;
    summaries.push(part.summaries[i]);
    if (part.hubFacts.length) hubFacts.push(part.hubFacts[i]);
  }
  return { staged: [...a.staged, ...b.staged], summaries, hubFacts, cached: a.cached + b.cached, fresh: [...a.fresh, ...b.fresh] };
}

export async function renderFleet(
  selected: readonly LoadedSite[],
  all: readonly LoadedSite[],
  catalog: Catalog,
  options: RenderOptions,
): Promise<FleetRender> {
  const keys = options.cache ? selected.map((s) => siteKey(options.cache!, s, catalog)) : undefined;
  const full = !options.partial;
  const store = options.cache ? new RenderCache(options.cache) : undefined;
  const index = store?.readOutputIndex(options.target.out);
  // Sites with a cache entry are staged on this thread (reading a few files costs less than starting a worker,
  // which loads the whole renderer); only the sites to render are spread over worker threads.
  const cachedSite = selected.map((_, i) => store?.has(keys![i]) ?? false);
  const pick = <T>(xs: readonly T[] | undefined, hit: boolean): T[] | undefined => xs?.filter((_, i) => cachedSite[i] === hit);
  const toRender = pick(selected, false)!;
  const auto = Math.min(availableParallelism(), Math.floor(toRender.length / MIN_SITES_PER_WORKER));
  const jobs = options.jobs > 0 ? options.jobs : auto;
  const useWorkers = jobs > 1 && toRender.length > 0 && existsSync(workerScript());
  const fromCache = renderSequential(pick(selected, true)!, catalog, options.target, options.cache, pick(keys, true), full, index);
  const renderedPart = useWorkers
    ? await renderOnWorkers(toRender, catalog, options.target, jobs, options.cache, pick(keys, false), full, index)
    : renderSequential(toRender, catalog, options.target, options.cache, pick(keys, false), full, index);
  const rendered = mergeInOrder(cachedSite, fromCache, renderedPart);
  if (!full) return rendered;
  // The hub describes every site: its files are reused only when no site's key and no fleet input changed;
  // otherwise they are built from the sites' hub facts (cached with each site), never by re-rendering sites.
  const key = store ? hubKey(options.cache!, keys!) : undefined;
  const hit = store ? stageCached(store, key!, false, options.target, index) : undefined;
  if (hit) rendered.staged.push(...hit.staged);
  else {
    const serialize = store?.yamlMemo(toYaml);
    const files = FLEET_OUTPUTS.flatMap((output) => output(all, catalog, rendered.hubFacts, serialize));
    const listed = store?.put(key!, files, { site: 'hub', layers: [], requests: { cpuMillicores: 0, memoryMiB: 0 }, allocatable: { cpuMillicores: 0, memoryMiB: 0 } });
    files.forEach((f, k) => rendered.staged.push(listed ? stageHashed(options.target, f, listed[k].sha256, index) : stageFile(options.target, f)));
  }
  return { ...rendered, cached: rendered.cached + (hit ? 1 : 0), fresh: hit ? rendered.fresh : [...rendered.fresh, 'hub'] };
}
