/**
 * The synth command: parse arguments, load and validate the inventory and catalogues, render every site
 * (one cdk8s App per site), check, then write atomically. Any error prints one message and exits non-zero
 * with the output untouched.
 */
import { resolve } from 'node:path';
import { formatMiB } from '../model/capacity';
import { loadCatalog } from '../model/catalog';
import { InputError } from '../model/errors';
import { displayPath, loadInventory } from '../model/load';
import { renderFleet } from './fleet';
import { SiteSummary } from './render';
import { OutputTransaction } from './writer';

export interface SynthOptions {
  readonly sitesDir: string;
  readonly outDir: string;
  /** Render only these sites and touch nothing else in the output. */
  readonly only: readonly string[];
  /** Worker threads; 0 = automatic. */
  readonly jobs: number;
  readonly quiet: boolean;
  /** Print one machine-readable `synth-stats {...}` line (used by the benchmark). */
  readonly stats: boolean;
}

const USAGE = `usage: npm run synth -- [--site NAME]... [--sites DIR] [--out DIR] [--jobs N] [--quiet]
  --site NAME   render only this site (repeatable); nothing outside dist/NAME/ is touched
  --sites DIR   inventory folder (default: sites)
  --out DIR     output folder (default: dist); must be empty or written by synth
  --jobs N      worker threads (default: automatic)
  --quiet       print only the totals
  --stats       also print a machine-readable stats line (benchmarks)`;

export function parseArgs(argv: readonly string[]): SynthOptions {
  let sitesDir = 'sites';
  // Not $CDK8S_OUTDIR: `npx cdk8s synth` deletes that folder before running the app, which would defeat the
  // atomic writer (cdk8s.yaml points it at a scratch folder under .build/).
  let outDir = 'dist';
  const only: string[] = [];
  let jobs = 0;
  let quiet = false;
  let stats = false;
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
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  return { sitesDir: resolve(sitesDir), outDir: resolve(outDir), only, jobs, quiet, stats };
}

export class UsageError extends Error {}

export interface SynthResult {
  readonly summaries: readonly SiteSummary[];
  readonly written: number;
  readonly removed: number;
  readonly unchanged: number;
  /** Bytes of rendered output (all files of this run). */
  readonly bytes: number;
  readonly files: number;
}

export async function synth(options: SynthOptions): Promise<SynthResult> {
  const loaded = loadInventory(options.sitesDir);
  for (const name of options.only) {
    if (!loaded.some((l) => l.site.name === name)) {
      throw new InputError(options.sitesDir, '--site', name, 'is not a site of this inventory', `use one of: ${loaded.map((l) => l.site.name).slice(0, 20).join(', ')}`);
    }
  }
  const catalog = loadCatalog(process.cwd());
  const selected = options.only.length ? loaded.filter((l) => options.only.includes(l.site.name)) : loaded;
  const tx = new OutputTransaction(options.outDir, {
    onlyDirs: options.only.length ? options.only : undefined,
    protect: [process.cwd(), options.sitesDir],
  });
  try {
    const rendered = await renderFleet(selected, loaded, catalog, { jobs: options.jobs, partial: options.only.length > 0, target: tx.target });
    const result = tx.commit(rendered.staged);
    const bytes = rendered.staged.reduce((sum, f) => sum + f.bytes, 0);
    return { summaries: rendered.summaries, ...result, bytes, files: rendered.staged.length };
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
      `${result.removed} removed, ${result.unchanged} unchanged`,
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
    const result = await synth(options);
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
