/**
 * `npm run diff [-- --base REF] [--markdown] [--output FILE]`: what this change does to the rendered output.
 *
 * Renders the working tree's inventory into a temporary folder (the same synth as `npm run synth`, all sites
 * and the hub) and compares it with the `dist/` committed at REF (default: origin/main if it exists, else
 * HEAD), grouped by site and layer with a one-line summary per file. `--markdown` prints the pull-request
 * comment body instead (see .github/workflows/pr.yaml). The logic lives in tools/diff/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitError, readTreeAtRef, readTreeFromDisk, repoRoot, resolveBase } from '../tools/diff/git';
import { renderMarkdown, renderText } from '../tools/diff/render';
import { diffTrees, TreeDiff } from '../tools/diff/tree';
import { InputError } from '../lib/model/errors';
import { DIST_PATH } from '../lib/model/site';
import { parseArgs as parseSynthArgs, synth } from '../lib/synth/cli';

const USAGE = `usage: npm run diff -- [--base REF] [--markdown] [--stat] [--output FILE] [--sites DIR] [--head-label TEXT]
  --base REF         compare with dist/ committed at REF (default: origin/main if it exists, else HEAD)
  --markdown         print the pull-request comment (Markdown, cut to fit GitHub's comment limit)
  --stat             summaries only, no line diffs (terminal output)
  --output FILE      write to FILE instead of standard output
  --sites DIR        inventory folder to render (default: sites)
  --head-label TEXT  how to call the rendered side in the report (default: working tree)
  --max-chars N      Markdown length limit (default: 60000)`;

export interface DiffOptions {
  readonly base?: string;
  readonly markdown: boolean;
  readonly stat: boolean;
  readonly output?: string;
  readonly sitesDir: string;
  readonly headLabel: string;
  readonly maxChars?: number;
  /** Repository holding the committed output. @default the repository of the current directory */
  readonly repoDir?: string;
}

export class UsageError extends Error {}

export function parseDiffArgs(argv: readonly string[]): DiffOptions {
  let base: string | undefined;
  let markdown = false;
  let stat = false;
  let output: string | undefined;
  let sitesDir = 'sites';
  let headLabel = 'working tree';
  let maxChars: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--base':
        base = value();
        break;
      case '--markdown':
        markdown = true;
        break;
      case '--stat':
        stat = true;
        break;
      case '--output':
        output = value();
        break;
      case '--sites':
        sitesDir = value();
        break;
      case '--head-label':
        headLabel = value();
        break;
      case '--max-chars':
        maxChars = Number(value());
        if (!Number.isInteger(maxChars) || maxChars < 2000) throw new UsageError(`--max-chars must be a whole number of at least 2000, got ${argv[i]}`);
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  return { base, markdown, stat, output, sitesDir, headLabel, maxChars };
}

export interface DiffResult {
  readonly base: string;
  readonly diff: TreeDiff;
  readonly report: string;
}

/** Renders the inventory, reads the committed output at the base ref, compares, and formats the report. */
export async function runDiff(opts: DiffOptions): Promise<DiffResult> {
  const repoDir = repoRoot(opts.repoDir ?? process.cwd());
  const base = resolveBase(repoDir, opts.base);
  const distPath = DIST_PATH;
  const tmp = mkdtempSync(join(tmpdir(), 'edge-ai-diff-'));
  try {
    const outDir = join(tmp, 'dist');
    // The synth's own argument parser supplies every default, exactly as `npm run synth` would.
    await synth(parseSynthArgs(['--sites', resolve(opts.sitesDir), '--out', outDir, '--quiet']));
    const diff = diffTrees(readTreeAtRef(repoDir, base, distPath), readTreeFromDisk(outDir));
    const report = opts.markdown
      ? renderMarkdown(diff, { base, head: opts.headLabel, maxChars: opts.maxChars })
      : renderText(diff, { base, head: opts.headLabel, stat: opts.stat });
    return { base, diff, report };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let opts: DiffOptions;
  try {
    opts = parseDiffArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message ? `error: ${err.message}\n${USAGE}` : USAGE);
      return err.message ? 2 : 0;
    }
    throw err;
  }
  try {
    const { report } = await runDiff(opts);
    if (opts.output) writeFileSync(opts.output, report);
    else process.stdout.write(report);
    return 0;
  } catch (err) {
    if (err instanceof InputError || err instanceof GitError) {
      console.error(`error: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
