/**
 * `npm run diff [-- --base REF] [--markdown] [--output FILE]`: what this change does to the rendered output.
 *
 * Renders the working tree's inventory into a temporary folder (the same synth as `npm run synth`, all sites
 * and the hub) and compares it with the `dist/` committed at REF (default: origin/main if it exists, else
 * HEAD), grouped by site and layer with a one-line summary per file. `--markdown` prints the pull-request
 * comment body instead (see .github/workflows/pr.yaml). The logic lives in tools/diff/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitError, readBlobAtRef, readTreeAtRef, readTreeFromDisk, repoRoot, resolveBase } from '../tools/diff/git';
import { HelmDiff, helmDiff } from '../tools/diff/helm';
import { MissingChartError, packagePath } from '../tools/helm/charts';
import { HelmApplication, renderSiteReleases } from '../tools/helm/releases';
import { KUBERNETES_API_VERSION } from '../lib/model/versions';
import { renderMarkdown, renderText } from '../tools/diff/render';
import { diffTrees, TreeDiff } from '../tools/diff/tree';
import { InputError } from '../lib/model/errors';
import { DIST_PATH } from '../lib/model/site';
import { parseArgs as parseSynthArgs, synth } from '../lib/synth/cli';

const USAGE = `usage: npm run diff -- [--base REF] [--markdown] [--stat] [--no-helm] [--output FILE] [--sites DIR] [--head-label TEXT]
  --base REF         compare with dist/ committed at REF (default: origin/main if it exists, else HEAD)
  --markdown         print the pull-request comment (Markdown, cut to fit GitHub's comment limit)
  --stat             summaries only, no line diffs (terminal output)
  --no-helm          skip the manifests of changed Helm releases (helm template of the vendored charts)
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
  /** Render changed Helm releases with helm and show their manifest diff. @default true */
  readonly helm: boolean;
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
  let helm = true;
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
      case '--no-helm':
        helm = false;
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
  return { base, markdown, stat, output, sitesDir, headLabel, maxChars, helm };
}

export interface DiffResult {
  readonly base: string;
  readonly diff: TreeDiff;
  /** Undefined with --no-helm. */
  readonly helm?: HelmDiff;
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
    const baseTree = readTreeAtRef(repoDir, base, distPath);
    const headTree = readTreeFromDisk(outDir);
    const diff = diffTrees(baseTree, headTree);
    const helm = opts.helm ? await helmDiff(baseTree, headTree, helmRenderer(repoDir, base, resolve(opts.sitesDir), tmp)) : undefined;
    const report = opts.markdown
      ? renderMarkdown(diff, { base, head: opts.headLabel, maxChars: opts.maxChars, helm })
      : renderText(diff, { base, head: opts.headLabel, stat: opts.stat, helm });
    return { base, diff, helm, report };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `k3sVersion: v1.28.4+k3s2` of a site file's text (the inventory was validated by the synth). */
function k3sVersionIn(text: string | undefined): string | undefined {
  return text === undefined ? undefined : /^k3sVersion:\s*["']?([^\s"'#]+)/m.exec(text)?.[1];
}

/**
 * Renders a site's Helm Applications on one side of the diff with tools/helm: the head side from the working
 * tree's vendor/helm-charts, the base side from the base ref's packages when the working tree no longer has
 * them (a chart bump). `--kube-version`: the site's K3s version in the inventory being rendered (the base
 * ref's site file for a site the working tree removed).
 */
function helmRenderer(repoDir: string, base: string, sitesDir: string, tmp: string) {
  const kubeVersion = (site: string): string => {
    const file = join(sitesDir, `${site}.yaml`);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : readBlobAtRef(repoDir, base, `sites/${site}.yaml`)?.toString('utf8');
    return k3sVersionIn(text) ?? `v${KUBERNETES_API_VERSION}.0`;
  };
  const chartPath = (app: HelmApplication, side: 'base' | 'head'): string => {
    const rel = packagePath(app);
    const local = join(repoDir, rel);
    if (existsSync(local)) return local;
    const blob = side === 'base' ? readBlobAtRef(repoDir, base, rel) : undefined;
    if (!blob) throw new MissingChartError(`${app.application}: ${rel} is in neither the working tree${side === 'base' ? ` nor ${base}` : ''}: vendor the package of ${app.chart} ${app.version}`);
    const file = join(tmp, 'charts', base.replace(/[^\w.-]/g, '_'), `${app.chart}-${app.version}.tgz`);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, blob);
    return file;
  };
  return async (site: string, side: 'base' | 'head', apps: readonly HelmApplication[]): Promise<Map<string, string>> => {
    if (apps.length === 0) return new Map();
    const { releases } = await renderSiteReleases(apps, { kubeVersion: kubeVersion(site), extraCrds: [], chartPath: (a) => chartPath(a, side) });
    return new Map(releases.map((r) => [r.app.application, r.manifests]));
  };
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
