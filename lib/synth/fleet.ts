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
import { FLEET_OUTPUTS } from './hub';
import { Catalog } from '../model/site';
import { renderSite, SiteSummary } from './render';
import { StagedFile, stageFile, StagingTarget } from './writer';

export interface FleetRender {
  readonly staged: StagedFile[];
  readonly summaries: SiteSummary[];
}

export interface RenderOptions {
  /** Worker threads; 0 = automatic (threads only pay off beyond a few dozen sites). */
  readonly jobs: number;
  /** Rendering only some sites (`--site`): fleet-level outputs (the hub) are not rendered. */
  readonly partial: boolean;
  /** The output transaction's staging target. */
  readonly target: StagingTarget;
}

/** Sites per worker below which threads cost more than they save (worker start ≈ module load time). */
const MIN_SITES_PER_WORKER = 40;

function workerScript(): string {
  return join(__dirname, 'synth-worker.js');
}

export function renderSequential(sites: readonly LoadedSite[], catalog: Catalog, target: StagingTarget): FleetRender {
  const staged: StagedFile[] = [];
  const summaries: SiteSummary[] = [];
  for (const s of sites) {
    const r = renderSite({ site: s.site, file: s.file, catalog });
    for (const f of r.files) staged.push(stageFile(target, f));
    summaries.push(r.summary);
  }
  return { staged, summaries };
}

interface WorkerReply {
  readonly ok: boolean;
  readonly rendered?: FleetRender;
  readonly error?: { readonly name: string; readonly message: string; readonly stack?: string; readonly input?: unknown };
}

function renderOnWorkers(sites: readonly LoadedSite[], catalog: Catalog, target: StagingTarget, workers: number): Promise<FleetRender> {
  // Contiguous chunks keep the output order trivially equal to the sequential order.
  const size = Math.ceil(sites.length / workers);
  const chunks = Array.from({ length: workers }, (_, i) => sites.slice(i * size, (i + 1) * size)).filter((c) => c.length);
  const threads = chunks.map((chunk) => new Worker(workerScript(), { workerData: { sites: chunk, catalog, target } }));
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
  ).then((parts) => ({ staged: parts.flatMap((p) => p.staged), summaries: parts.flatMap((p) => p.summaries) }));
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
  const rendered = useWorkers ? await renderOnWorkers(selected, catalog, options.target, jobs) : renderSequential(selected, catalog, options.target);
  if (!options.partial) {
    for (const output of FLEET_OUTPUTS) {
      for (const f of output(all, catalog)) rendered.staged.push(stageFile(options.target, f));
    }
  }
  return rendered;
}
