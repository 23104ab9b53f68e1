/** Worker-thread entry: renders a chunk of sites and posts the files back (see fleet.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../model/errors';
import { LoadedSite } from '../model/load';
import { Catalog } from '../model/site';
import { StagingTarget } from './writer';
import { CacheConfig, OutputIndex } from './cache';
import { renderSequential } from './fleet';

const { sites, catalog, target, cache, keys, hubFacts, index } = workerData as {
  sites: LoadedSite[];
  catalog: Catalog;
  target: StagingTarget;
  cache?: CacheConfig;
  keys?: string[];
  hubFacts: boolean;
  index?: OutputIndex;
};
try {
  parentPort?.postMessage({ ok: true, rendered: renderSequential(sites, catalog, target, cache, keys, hubFacts, index) });
} catch (err) {
  const e = err as Error;
  const input =
    err instanceof InputError ? { file: err.file, field: err.field, value: err.value, problem: err.problem, fix: err.fix } : undefined;
  parentPort?.postMessage({ ok: false, error: { name: e.name, message: e.message, stack: e.stack, input } });
}
