/**
 * Renders a set of sites, sequentially or on worker threads, streaming each file into the output
 * transaction's staging folder as soon as it is rendered (memory stays bounded by one site). Both paths run
 * the same `renderSite` on the same inputs, so their output is byte-identical (a test checks it).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError } from '../model/errors';
import { LoadedSite } from '../model/load';
import { FLEET_OUTPUTS, SiteHubFacts, siteHubFacts } from './hub';
import { Catalog } from '../model/site';
import { CacheConfig, hubKey, RenderCache, siteKey } from './cache';
import { RenderedFile, renderSite, SiteSummary } from './render';
import { StagedFile, stageFile, StagingTarget } from './writer';

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

/** Sites per worker below which threads cost more than they save (worker start ≈ module load time). */
const MIN_SITES_PER_WORKER = 40;

function workerScript(): string {
  return join(__dirname, 'synth-worker.js');
}

/** A cached render, or undefined when any blob is missing or damaged, or the hub facts are needed but absent. */
function cachedRender(cache: RenderCache, key: string, needHub: boolean): { files: RenderedFile[]; summary: SiteSummary; hub?: SiteHubFacts } | undefined {
  const entry = cache.get(key);
  if (!entry?.summary || (needHub && !entry.hub)) return undefined;
  // Every blob is checked (a damaged one is removed), so that the render that follows writes them all again.
  const files = entry.files.map((f) => ({ path: f.path, content: cache.blob(f.sha256) }));
  if (files.some((f) => f.content === undefined)) return undefined;
  return { files: files as RenderedFile[], summary: entry.summary, hub: entry.hub };
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
): FleetRender {
  const staged: StagedFile[] = [];
  const summaries: SiteSummary[] = [];
  const facts: SiteHubFacts[] = [];
  const store = cache && keys ? new RenderCache(cache) : undefined;
  let cached = 0;
  const fresh: string[] = [];
  sites.forEach((s, i) => {
    const hit = store ? cachedRender(store, keys![i], hubFacts) : undefined;
    const r = hit ?? renderSite({ site: s.site, file: s.file, catalog });
    const hub = hit?.hub ?? (hubFacts || store ? siteHubFacts(s, catalog) : undefined);
    for (const f of r.files) staged.push(stageFile(target, f));
    summaries.push(r.summary);
    if (hubFacts) facts.push(hub!);
    if (hit) cached++;
    else {
      fresh.push(s.site.name);
      store?.put(keys![i], r.files, r.summary, hub);
    }
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
): Promise<FleetRender> {
  // Contiguous chunks keep the output order trivially equal to the sequential order.
  const size = Math.ceil(sites.length / workers);
  const chunks = Array.from({ length: workers }, (_, i) => i * size)
    .filter((start) => start < sites.length)
    .map((start) => ({ sites: sites.slice(start, start + size), keys: keys?.slice(start, start + size) }));
  const threads = chunks.map((chunk) => new Worker(workerScript(), { workerData: { ...chunk, catalog, target, cache, hubFacts } }));
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

export async function renderFleet(
  selected: readonly LoadedSite[],
  all: readonly LoadedSite[],
  catalog: Catalog,
  options: RenderOptions,
): Promise<FleetRender> {
  const auto = Math.min(availableParallelism(), Math.floor(selected.length / MIN_SITES_PER_WORKER));
  const jobs = options.jobs > 0 ? options.jobs : auto;
  const useWorkers = jobs > 1 && existsSync(workerScript());
  const keys = options.cache ? selected.map((s) => siteKey(options.cache!, s, catalog)) : undefined;
  const full = !options.partial;
  const rendered = useWorkers
    ? await renderOnWorkers(selected, catalog, options.target, jobs, options.cache, keys, full)
    : renderSequential(selected, catalog, options.target, options.cache, keys, full);
  if (!full) return rendered;
  // The hub describes every site: its files are reused only when no site's key and no fleet input changed;
  // otherwise they are built from the sites' hub facts (cached with each site), never by re-rendering sites.
  const store = options.cache ? new RenderCache(options.cache) : undefined;
  const key = store ? hubKey(options.cache!, keys!) : undefined;
  const hit = store ? cachedRender(store, key!, false) : undefined;
  const files = hit?.files ?? FLEET_OUTPUTS.flatMap((output) => output(all, catalog, rendered.hubFacts));
  if (store && !hit) store.put(key!, files, { site: 'hub', layers: [], requests: { cpuMillicores: 0, memoryMiB: 0 }, allocatable: { cpuMillicores: 0, memoryMiB: 0 } });
  for (const f of files) rendered.staged.push(stageFile(options.target, f));
  return { ...rendered, cached: rendered.cached + (hit ? 1 : 0), fresh: hit ? rendered.fresh : [...rendered.fresh, 'hub'] };
}
