/**
 * `npm run bench`: synth speed and memory for N synthetic sites (N ∈ 1, 10, 100, 1000, 3000), a no-change
 * re-run, a one-site re-render including process start, and `kubectl kustomize` on an equivalent per-site
 * overlay when kubectl is installed. Prints a table; figures go to docs/benchmarks.md by hand.
 *
 *   npm run bench                  # full table
 *   npm run bench -- --sizes 1,100 # a subset
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticFleet } from '../tools/bench/generate';

interface Stats {
  readonly sites: number;
  readonly written: number;
  readonly removed: number;
  readonly unchanged: number;
  readonly cached: number;
  readonly bytes: number;
  readonly files: number;
  readonly ms: number;
  readonly maxRssKiB: number;
}

interface Row {
  readonly label: string;
  readonly sites: number;
  readonly wallMs: number;
  readonly stats?: Stats;
  readonly note?: string;
}

const MAIN = join(__dirname, 'main.js');

function synth(args: string[]): { wallMs: number; stats: Stats } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [MAIN, '--quiet', '--stats', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`synth ${args.join(' ')} failed:\n${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('synth-stats '));
  if (!line) throw new Error(`no stats line in:\n${r.stdout}`);
  return { wallMs, stats: JSON.parse(line.slice('synth-stats '.length)) as Stats };
}

/** `12.3% of the full render` for the ratio rows of issue 15 (measured in the same run). */
function ratio(ms: number, fullMs: number): string {
  return `${fmt((100 * ms) / fullMs, 1)}% of the full render`;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function kustomizeRow(work: string, out: string, sites: number): Row {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (probe.status !== 0) return { label: 'kubectl kustomize', sites, wallMs: 0, note: 'skipped: kubectl is not installed on this machine' };
  // Equivalent per-site overlay: a base holding one site's rendered layers, and per site an overlay that sets
  // the site label and namespace-independent patches, as a kustomize-based fleet repo would.
  const base = join(work, 'kustomize', 'base');
  mkdirSync(base, { recursive: true });
  const sample = readdirSync(out).find((d) => d !== 'hub') as string;
  const layerFiles = readdirSync(join(out, sample)).filter((f) => f.endsWith('.k8s.yaml'));
  for (const f of layerFiles) cpSync(join(out, sample, f), join(base, f));
  writeFileSync(join(base, 'kustomization.yaml'), `resources:\n${layerFiles.map((f) => `  - ${f}`).join('\n')}\n`);
  const overlays: string[] = [];
  for (let i = 0; i < sites; i++) {
    const dir = join(work, 'kustomize', `site-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `resources:\n  - ../base\nlabels:\n  - pairs:\n      edge-ai.io/site: site-${i}\n    includeSelectors: false\n`,
    );
    overlays.push(dir);
  }
  const started = process.hrtime.bigint();
  for (const dir of overlays) {
    const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) return { label: 'kubectl kustomize', sites, wallMs: 0, note: `skipped: kustomize failed: ${r.stderr.slice(0, 200)}` };
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { label: 'kubectl kustomize', sites, wallMs, note: `one \`kubectl kustomize\` per site overlay (${layerFiles.length} layer files each)` };
}

function main(): void {
  const sizesArg = process.argv.indexOf('--sizes');
  const sizes = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').map(Number) : [1, 10, 100, 1000, 3000];
  const work = mkdtempSync(join(tmpdir(), 'edge-bench-'));
  const rows: Row[] = [];
  try {
    let largest = { sites: '', out: '', n: 0 };
    for (const n of sizes) {
      const sites = join(work, `sites-${n}`);
      const out = join(work, `out-${n}`);
      writeSyntheticFleet(sites, n);
      const run = synth(['--sites', sites, '--out', out, '--cache-dir', join(work, `cache-${n}`)]);
      rows.push({ label: `synth ${n} site(s)`, sites: n, wallMs: run.wallMs, stats: run.stats });
      largest = { sites, out, n };
    }
    if (largest.n > 0) {
      const cache = ['--cache-dir', join(work, `cache-${largest.n}`)];
      const full = rows[rows.length - 1];
      const again = synth(['--sites', largest.sites, '--out', largest.out, ...cache]);
      rows.push({ label: `no-change re-run (${largest.n} sites, cache)`, sites: largest.n, wallMs: again.wallMs, stats: again.stats, note: ratio(again.wallMs, full.wallMs) });
      const scratch = synth(['--sites', largest.sites, '--out', largest.out, '--no-cache']);
      rows.push({ label: `no-change re-run (${largest.n} sites, --no-cache)`, sites: largest.n, wallMs: scratch.wallMs, stats: scratch.stats, note: ratio(scratch.wallMs, full.wallMs) });
      // One site file edited (a node gains memory): only that site and the hub files depending on it change.
      const edited = join(largest.sites, 'store-00002.yaml');
      writeFileSync(edited, readFileSync(edited, 'utf8').replace(/memoryGiB: (\d+)/, (_m, g: string) => `memoryGiB: ${Number(g) * 2}`));
      const changed = synth(['--sites', largest.sites, '--out', largest.out, ...cache]);
      rows.push({ label: `one site file changed (${largest.n} sites, cache)`, sites: largest.n, wallMs: changed.wallMs, stats: changed.stats, note: ratio(changed.wallMs, full.wallMs) });
      const one = synth(['--sites', largest.sites, '--out', largest.out, '--site', 'store-00001', ...cache]);
      rows.push({ label: `--site one of ${largest.n}`, sites: 1, wallMs: one.wallMs, stats: one.stats });
      const kn = Math.min(largest.n, 100);
      rows.push(kustomizeRow(work, largest.out, kn));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}`);
  console.log('');
  console.log('| run | sites | wall s | ms/site | peak RSS MiB | bytes/site | files written | reused from cache |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    if (r.note && !r.stats && r.wallMs === 0) {
      console.log(`| ${r.label} | ${r.sites} | – | – | – | – | – | – |  ${r.note}`);
      continue;
    }
    const s = r.stats;
    console.log(
      `| ${r.label} | ${fmt(r.sites)} | ${fmt(r.wallMs / 1000, 2)} | ${fmt(r.wallMs / r.sites, 2)} | ` +
        `${s ? fmt(s.maxRssKiB / 1024) : '–'} | ${s ? fmt(s.bytes / Math.max(1, s.sites)) : '–'} | ${s ? fmt(s.written) : '–'} | ${s ? fmt(s.cached) : '–'} |` +
        (r.note ? ` ${r.note}` : ''),
    );
  }
  const synthRows = rows.filter((r) => r.label.startsWith('synth '));
  const at = (n: number): Row | undefined => synthRows.find((r) => r.sites === n);
  const r100 = at(100);
  const r3000 = at(3000);
  if (r100 && r3000) console.log(`\nlinearity: ms/site at 3,000 = ${fmt(r3000.wallMs / 3000 / (r100.wallMs / 100), 2)} × ms/site at 100`);
  const k = rows.find((r) => r.label === 'kubectl kustomize' && r.wallMs > 0);
  const big = synthRows[synthRows.length - 1];
  if (k && big) console.log(`kustomize vs synth per site: ${fmt(k.wallMs / k.sites / (big.wallMs / big.sites), 1)}× slower`);
  if (!existsSync(MAIN)) console.log('(build missing)');
}

main();
