/**
 * `npm run diff`: the line diff, the per-file object summary grouped by site and layer, the PR comment
 * (collapsible per site, cut under GitHub's limit with a note), and the command end to end on a fixture
 * change in a throwaway Git repository.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffLines, EditOp, unifiedDiff } from '../../tools/diff/lines';
import { readTreeAtRef, readTreeFromDisk } from '../../tools/diff/git';
import { COMMENT_MARKER, GITHUB_COMMENT_LIMIT, renderMarkdown, renderText } from '../../tools/diff/render';
import { diffTrees } from '../../tools/diff/tree';
import { parseArgs as parseSynthArgs, synth } from '../../lib/synth/cli';
import { parseDiffArgs, runDiff } from '../../scripts/diff';

const fixtures = join(__dirname, '..', 'fixtures', 'gitops', 'diff');
const fixtureDiff = () => diffTrees(readTreeFromDisk(join(fixtures, 'base')), readTreeFromDisk(join(fixtures, 'head')));

describe('line diff', () => {
  /** Deterministic pseudo-random lines from a small alphabet (many repeats: the hard case). */
  function lines(seed: number, n: number): string[] {
    let x = seed;
    return Array.from({ length: n }, () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return 'abcd'[x % 4];
    });
  }
  function lcs(a: string[], b: string[]): number {
    const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
    return t[a.length][b.length];
  }
  const apply = (ops: EditOp[]) => ({ a: ops.filter((o) => o.op !== 'insert').map((o) => o.line), b: ops.filter((o) => o.op !== 'delete').map((o) => o.line) });

  it('produces a correct and minimal edit script (300 random cases against an LCS table)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const a = lines(seed, seed % 23);
      const b = lines(seed * 7 + 3, (seed * 3) % 19);
      const ops = diffLines(a, b);
      expect(apply(ops)).toEqual({ a, b });
      expect(ops.filter((o) => o.op !== 'equal').length).toBe(a.length + b.length - 2 * lcs(a, b));
    }
  });

  it('prints hunks like diff -u (3 lines of context, hunks merged when closer than 6 lines)', () => {
    const letters = 'abcdefghijklm'.split('');
    const before = `${letters.join('\n')}\n`;
    const after = `${letters.map((l) => (l === 'b' ? 'B' : l)).join('\n')}\nn\n`;
    expect(unifiedDiff('a/x', 'b/x', before, after)).toBe(
      ['--- a/x', '+++ b/x', '@@ -1,5 +1,5 @@', ' a', '-b', '+B', ' c', ' d', ' e', '@@ -11,3 +11,4 @@', ' k', ' l', ' m', '+n', ''].join('\n'),
    );
    const close = `${letters.map((l) => (l === 'b' || l === 'h' ? l.toUpperCase() : l)).join('\n')}\n`;
    expect(unifiedDiff('a/x', 'b/x', before, close).match(/^@@/gm)).toHaveLength(1);
    expect(unifiedDiff('/dev/null', 'b/y', '', 'one\n')).toBe('--- /dev/null\n+++ b/y\n@@ -0,0 +1,1 @@\n+one\n');
    expect(unifiedDiff('a', 'b', 'same\n', 'same\n')).toBe('');
  });
});

describe('grouped summary', () => {
  const diff = fixtureDiff();

  it('lists changed files by site, the hub last, with objects added, changed and removed by kind and name', () => {
    const text = renderText(diff, { base: 'origin/main', head: 'working tree', stat: true });
    expect(text.split('\n')).toEqual([
      'Rendered output: origin/main → working tree',
      '4 files changed in 2 sites and the hub: +2 ~1 -2 objects, +12 -16 lines',
      '',
      '== factory-floor (1 file: +1 ~0 -0 objects)',
      '  baseline.k8s.yaml  added: +1 ~0 -0 objects (+ Namespace inference)',
      '== office (2 files: +1 ~1 -2 objects)',
      '  inference.k8s.yaml  modified: +1 ~1 -1 objects (+ HorizontalPodAutoscaler inference/server; ~ Deployment inference/server; - ConfigMap inference/settings)',
      '  ollama.k8s.yaml     removed: +0 ~0 -1 objects (- Service ollama/ollama)',
      '== hub (1 file: +0 ~0 -0 objects)',
      '  layers/office.json  modified: +1 -2 lines',
      '',
    ]);
  });

  it('follows the summary with the unified diffs unless --stat', () => {
    const text = renderText(diff, { base: 'origin/main', head: 'working tree' });
    expect(text).toContain('--- a/office/inference.k8s.yaml\n+++ b/office/inference.k8s.yaml\n');
    expect(text).toContain('-          image: ghcr.io/edge-ai-gitops/inference-server:0.1.0\n+          image: ghcr.io/edge-ai-gitops/inference-server:0.2.0');
    expect(text).toContain('--- a/office/ollama.k8s.yaml\n+++ /dev/null');
  });

  it('says so when nothing changed', () => {
    const same = diffTrees(readTreeFromDisk(join(fixtures, 'base')), readTreeFromDisk(join(fixtures, 'base')));
    expect(renderText(same, { base: 'HEAD', head: 'working tree' })).toBe('Rendered output: HEAD → working tree\nNo change to the rendered output (4 files compared).\n');
    expect(renderMarkdown(same, { base: 'HEAD', head: 'this PR' })).toContain('No change to the rendered output');
  });
});

describe('pull-request comment', () => {
  const diff = fixtureDiff();
  const md = renderMarkdown(diff, { base: 'origin/main', head: 'this pull request' });

  it('starts with the marker the comment workflow updates in place', () => {
    expect(md.split('\n')[0]).toBe(COMMENT_MARKER);
  });

  it('has a table and one collapsible section per site with its file summaries and diffs', () => {
    expect(md).toContain('| office | 2 | +1 ~1 -2 objects | +7 -14 |');
    expect(md.match(/<details>/g)).toHaveLength(3);
    expect(md).toContain('<details><summary><b>office</b>: 2 files, +1 ~1 -2 objects</summary>');
    expect(md).toContain('- `inference.k8s.yaml` modified: +1 ~1 -1 objects');
    expect(md).toContain('```diff\n--- a/office/inference.k8s.yaml');
    expect(md).not.toContain('Truncated');
  });

  it('stays under the limit for a huge change and says what it left out', () => {
    const big = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `line ${i} ${tag}`).join('\n');
    const base = new Map<string, string>();
    const head = new Map<string, string>();
    for (let s = 0; s < 40; s++) {
      base.set(`site-${s}/inference.k8s.yaml`, big(2000, 'old'));
      head.set(`site-${s}/inference.k8s.yaml`, big(2000, 'new'));
    }
    const huge = renderMarkdown(diffTrees(base, head), { base: 'origin/main', head: 'this pull request' });
    expect(huge.length).toBeLessThanOrEqual(60000);
    expect(huge).toMatch(/> \*\*Truncated\*\* to stay under GitHub's 65,536-character comment limit: .*diffs of \d+ files \(\d+ changed lines\) omitted/);
    const tight = renderMarkdown(diffTrees(base, head), { base: 'origin/main', head: 'x', maxChars: 3000 });
    expect(tight.length).toBeLessThanOrEqual(3000);
    expect(tight).toMatch(/\d+ sites not listed/);
    expect(GITHUB_COMMENT_LIMIT).toBe(65536);
  });

  it('never lets a backtick run in the content close the code fence', () => {
    const d = diffTrees(new Map([['s/a.k8s.yaml', 'x: "```"\n']]), new Map([['s/a.k8s.yaml', 'x: "````"\n']]));
    expect(renderMarkdown(d, { base: 'b', head: 'h' })).toContain('`````diff\n');
  });
});

describe('npm run diff (end to end)', () => {
  const root = join(__dirname, '..', '..');
  let tmp: string;
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: tmp });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gitops-diff-test-'));
    cpSync(join(root, 'sites'), join(tmp, 'sites'), { recursive: true });
    await synth(parseSynthArgs(['--sites', join(tmp, 'sites'), '--out', join(tmp, 'dist'), '--quiet']));
    git('init', '-q', '-b', 'main');
    git('add', 'dist');
    git('commit', '-q', '-m', 'rendered output');
    // The fixture change: office moves from ring 2 to ring 1 and shortens its deny window.
    const office = join(tmp, 'sites', 'office.yaml');
    writeFileSync(office, readFileSync(office, 'utf8').replace(/^ring: 2$/m, 'ring: 1').replace('duration: 10h', 'duration: 8h'));
  }, 60000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads the committed side with git', () => {
    expect([...readTreeAtRef(tmp, 'HEAD', 'dist').keys()]).toEqual(expect.arrayContaining(['office/gitops.k8s.yaml', 'hub/projects.k8s.yaml', 'hub/sites/office.json']));
  });

  it('prints the grouped summary of a fixture change against HEAD (no origin/main in that repository)', async () => {
    const { base, report, diff } = await runDiff({ ...parseDiffArgs(['--stat', '--sites', join(tmp, 'sites')]), repoDir: tmp });
    expect(base).toBe('HEAD');
    const lines = report.split('\n');
    expect(lines[0]).toBe('Rendered output: HEAD → working tree');
    expect(diff.files.map((f) => f.group).filter((g, i, a) => a.indexOf(g) === i)).toEqual(['office', 'hub']);
    // Columns are padded to the longest file name of the group.
    const line = (text: string): string | undefined => lines.find((l) => l.replace(/\s+/g, ' ') === text);
    expect(line(' sites/office.json modified: +1 -1 lines')).toBeDefined();
    expect(line(' projects.k8s.yaml modified: +0 ~1 -0 objects (~ AppProject argocd/edge-sites)')).toBeDefined();
    expect(line(' applicationsets.k8s.yaml modified: +0 ~2 -0 objects (~ ApplicationSet argocd/edge-site-layers, ApplicationSet argocd/edge-site-gitops)')).toBeDefined();
    // The fleet rules know each site's ring (fleet:site:info{ring}).
    expect(line(' monitoring/monitoring.k8s.yaml modified: +0 ~1 -0 objects (~ PrometheusRule monitoring/edge-ai-fleet)')).toBeDefined();
    expect(lines.find((l) => l.startsWith('  gitops.k8s.yaml'))).toMatch(/modified: \+0 ~\d+ -0 objects \(~ Application argocd\/office-/);
  });

  it('rejects an unknown base ref with the fix', async () => {
    await expect(runDiff({ ...parseDiffArgs(['--base', 'no-such-ref']), repoDir: tmp })).rejects.toThrow(/--base no-such-ref: no such commit.*git fetch origin main/);
  });

  it('parses its arguments strictly', () => {
    expect(parseDiffArgs(['--base', 'origin/main', '--markdown', '--output', 'c.md'])).toMatchObject({ base: 'origin/main', markdown: true, output: 'c.md' });
    expect(() => parseDiffArgs(['--bogus'])).toThrow(/unknown argument "--bogus"/);
    expect(() => parseDiffArgs(['--base'])).toThrow(/--base needs a value/);
    expect(() => parseDiffArgs(['--max-chars', '10'])).toThrow(/at least 2000/);
  });
});
