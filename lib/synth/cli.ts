/**
 * The synth command: parse arguments, load and validate the inventory and catalogues, render every site
 * (one cdk8s App per site), check, then write atomically. Any error prints one message and exits non-zero
 * with the output untouched.
 */
import { join, resolve } from 'node:path';
import { formatMiB } from '../model/capacity';
import { loadCatalog } from '../model/catalog';
import { InputError } from '../model/errors';
import { displayPath, loadFleet, loadInventory } from '../model/load';
import { CacheConfig, filesFingerprint, RenderCache, ValidatedSites } from './cache';
import { renderFleet } from './fleet';
import { SiteSummary } from './render';
import { OutputTransaction } from './writer';

export interface SynthOptions {
  readonly sitesDir: string;
  /** The fleet config (fleet.yaml). @default fleet.yaml of the working directory */
  readonly fleetFile?: string;
  readonly outDir: string;
  /** Render only these sites and touch nothing else in the output. */
  readonly only: readonly string[];
  /** Worker threads; 0 = automatic. */
  readonly jobs: number;
  readonly quiet: boolean;
  /** Print one machine-readable `synth-stats {...}` line (used by the benchmark). */
  readonly stats: boolean;
  /** Reuse unchanged sites from the render cache (CLI only). @default true */
  readonly cache?: boolean;
  /** Render cache folder. @default node_modules/.cache/edge-ai-synth */
  readonly cacheDir?: string;
}

const USAGE = `usage: npm run synth -- [--site NAME]... [--sites DIR] [--out DIR] [--jobs N] [--quiet]
  --site NAME   render only this site (repeatable); nothing outside dist/NAME/ is touched
  --sites DIR   inventory folder (default: sites)
  --fleet FILE  fleet config (default: fleet.yaml)
  --out DIR     output folder (default: dist); must be empty or written by synth
  --jobs N      worker threads (default: automatic)
  --no-cache    render every site from scratch (CI's stale check does)
  --cache-dir D render cache folder (default: node_modules/.cache/edge-ai-synth)
  --quiet       print only the totals
  --stats       also print a machine-readable stats line (benchmarks)`;

export function parseArgs(argv: readonly string[]): SynthOptions {
  let sitesDir = 'sites';
  let fleetFile = 'fleet.yaml';
  // Not $CDK8S_OUTDIR: `npx cdk8s synth` deletes that folder before running the app, which would defeat the
  // atomic writer (cdk8s.yaml points it at a scratch folder under .build/).
  let outDir = 'dist';
  const only: string[] = [];
  let jobs = 0;
  let quiet = false;
  let stats = false;
  let cache = true;
  let cacheDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--site':
        only.push(value());
        break;
      case '--sites':
        sitesDir = value();
        break;
      case '--fleet':
        fleetFile = value();
        break;
      case '--out':
        outDir = value();
        break;
      case '--jobs':
        jobs = Number(value());
        if (!Number.isInteger(jobs) || jobs < 0) throw new UsageError(`--jobs must be a whole number, got ${argv[i]}`);
        break;
      case '--quiet':
        quiet = true;
        break;
      case '--stats':
        stats = true;
        break;
      case '--no-cache':
        cache = false;
        break;
      case '--cache-dir':
        cacheDir = resolve(value());
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  return { sitesDir: resolve(sitesDir), fleetFile: resolve(fleetFile), outDir: resolve(outDir), only, jobs, quiet, stats, cache, cacheDir };
}

class UsageError extends Error {}

export interface SynthResult {
  readonly summaries: readonly SiteSummary[];
  readonly written: number;
  readonly removed: number;
  readonly unchanged: number;
  /** Bytes of rendered output (all files of this run). */
  readonly bytes: number;
  readonly files: number;
  /** Sites (and the hub) reused from the render cache. */
  readonly cached: number;
}

/**
 * The render cache of this checkout. The code fingerprint is the built bundles (every chart and constant) and the
 * lockfile (every dependency version). Only the bundled CLI (.build/main.js) has such a fingerprint: run from
 * TypeScript source (tests, ts-node) there is no cache.
 */
export function defaultCacheConfig(root: string, fleetFile: string, dir = join(root, 'node_modules', '.cache', 'edge-ai-synth')): CacheConfig | undefined {
  if (!__filename.endsWith('.js')) return undefined;
  return {
    dir,
    code: filesFingerprint([__filename, join(__dirname, 'synth-worker.js'), join(root, 'package-lock.json')]),
    fleet: filesFingerprint([fleetFile]),
  };
}

/** Runs one synth. Without `cache`, every site is rendered (the CLI passes the checkout's cache). */
export async function synth(options: SynthOptions, cache?: CacheConfig): Promise<SynthResult> {
  const runStarted = Date.now();
  const fleet = loadFleet(options.fleetFile ?? resolve('fleet.yaml'));
  const memo = cache ? new ValidatedSites(cache) : undefined;
  const loaded = loadInventory(options.sitesDir, fleet, memo);
  memo?.save();
  for (const name of options.only) {
    if (!loaded.some((l) => l.site.name === name)) {
      throw new InputError(options.sitesDir, '--site', name, 'is not a site of this inventory', `use one of: ${loaded.map((l) => l.site.name).slice(0, 20).join(', ')}`);
    }
  }
  const catalog = loadCatalog(process.cwd(), fleet);
  const selected = options.only.length ? loaded.filter((l) => options.only.includes(l.site.name)) : loaded;
  const tx = new OutputTransaction(options.outDir, {
    onlyDirs: options.only.length ? options.only : undefined,
    protect: [process.cwd(), options.sitesDir],
  });
  try {
    const rendered = await renderFleet(selected, loaded, catalog, { jobs: options.jobs, partial: options.only.length > 0, target: tx.target, cache });
    const result = tx.commit(rendered.staged);
    if (cache) {
      const store = new RenderCache(cache);
      // A --site run records only its own files and keeps what the index knew of the others.
      store.writeOutputIndex(tx.target.out, rendered.staged, options.only.length ? store.readOutputIndex(tx.target.out) : {});
      // Bounded by the whole inventory (a --site run must not evict the other sites' entries).
      store.prune(loaded.length + 1, runStarted);
    }
    const bytes = rendered.staged.reduce((sum, f) => sum + f.bytes, 0);
    return { summaries: rendered.summaries, ...result, bytes, files: rendered.staged.length, cached: rendered.cached };
  } catch (err) {
    tx.abort();
    throw err;
  }
}

/** Where the CLI prints: injected by tests so that the whole CLI runs in-process. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const PROCESS_IO: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

function printSummary(io: CliIo, result: SynthResult, options: SynthOptions, ms: number): void {
  const lines: string[] = [];
  if (!options.quiet && result.summaries.length <= 50) {
    for (const s of result.summaries) {
      const layers = s.layers.map((l) => `${l.layer} ${l.objects}`).join(', ');
      lines.push(
        `${s.site}: ${layers} objects | requests cpu ${s.requests.cpuMillicores}m of ${s.allocatable.cpuMillicores}m, ` +
          `memory ${formatMiB(s.requests.memoryMiB)} of ${formatMiB(s.allocatable.memoryMiB)}`,
      );
    }
  }
  lines.push(
    `synth: ${result.summaries.length} site(s) in ${ms} ms → ${options.outDir}: ${result.written} file(s) written, ` +
      `${result.removed} removed, ${result.unchanged} unchanged${result.cached ? ` (${result.cached} reused from the render cache)` : ''}`,
  );
  io.out(lines.join('\n'));
}

/** One line, whatever the message holds (a YAML reason or a file name may contain a line break). */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/**
 * The synth command: returns the exit code (0 done, 1 bad input or failure, 2 usage) and prints through `io`.
 * Every failure is exactly one line on stderr: `error: <file>: <field> = <value>: <problem>. Fix: <fix>`,
 * followed by a note that the output folder was left unchanged; never a stack trace (SYNTH_DEBUG=1 adds it
 * for an internal error).
 */
export async function run(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  const started = Date.now();
  let options: SynthOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(err.message ? `error: ${err.message}\n${USAGE}` : USAGE);
      return err.message ? 2 : 0;
    }
    throw err;
  }
  const untouched = `(${displayPath(options.outDir)}/ was left unchanged)`;
  try {
    const result = await synth(options, options.cache !== false ? defaultCacheConfig(process.cwd(), options.fleetFile ?? resolve('fleet.yaml'), options.cacheDir) : undefined);
    const ms = Date.now() - started;
    printSummary(io, result, options, ms);
    if (options.stats) {
      const { summaries, ...counts } = result;
      io.out(`synth-stats ${JSON.stringify({ sites: summaries.length, ...counts, ms, maxRssKiB: process.resourceUsage().maxRSS })}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      io.err(oneLine(`error: ${err.message} ${untouched}`));
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(err);
    io.err(oneLine(`error: synthesis failed (internal error, please report it): ${detail} ${untouched}`));
    if (process.env.SYNTH_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    return 1;
  }
}

/** `run` on the process's stdout/stderr (main.ts). */
export function main(argv: readonly string[]): Promise<number> {
  return run(argv, PROCESS_IO);
}
