/** Worker-thread entry: renders a chunk of sites and posts the files back (see fleet.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../errors';
import { LoadedSite } from '../inventory/load';
import { Catalog } from '../site';
import { renderSequential } from './fleet';

const { sites, catalog } = workerData as { sites: LoadedSite[]; catalog: Catalog };
try {
  parentPort?.postMessage({ ok: true, rendered: renderSequential(sites, catalog) });
} catch (err) {
  const e = err as Error;
  const input =
    err instanceof InputError ? { file: err.file, field: err.field, value: err.value, problem: err.problem, fix: err.fix } : undefined;
  parentPort?.postMessage({ ok: false, error: { name: e.name, message: e.message, stack: e.stack, input } });
}
