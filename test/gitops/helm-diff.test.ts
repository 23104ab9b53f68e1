/**
 * `npm run diff` on a chart bump: the Helm releases whose chart version or values changed are rendered by helm
 * on both sides and shown object by object and line by line, per site, in the terminal report and (collapsed
 * when long) in the pull-request comment. The bump is real Helm: the base commit of a throwaway repository
 * pins office's OpenTelemetry Collector chart at 0.158.1 (the vendored 0.158.2 package re-packaged under that
 * version, committed in the base and gone from the working tree, as after a bump).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedReleases, HelmDiff } from '../../tools/diff/helm';
import { HELM_OPEN_MAX_CHARS, renderHelmMarkdown, renderMarkdown } from '../../tools/diff/render';
import { helmBinary } from '../../tools/helm/binary';
import { packagePath, VENDOR_DIR } from '../../tools/helm/charts';
import { HELM_CHARTS } from '../../lib/model/versions';
import { parseArgs as parseSynthArgs, synth } from '../../lib/synth/cli';
import { DiffResult, parseDiffArgs, runDiff } from '../../scripts/diff';

const root = join(__dirname, '..', '..');
const OLD = '0.158.1';
const NEW = HELM_CHARTS.otelCollector.version;

describe('npm run diff on a chart bump (real helm, throwaway repository)', () => {
  let tmp: string;
  let result: DiffResult;
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: tmp });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'helm-diff-test-'));
    cpSync(join(root, 'sites'), join(tmp, 'sites'), { recursive: true });
    cpSync(join(root, VENDOR_DIR), join(tmp, VENDOR_DIR), { recursive: true });
    // The "old" chart: the vendored package re-packaged as 0.158.1.
    const work = join(tmp, 'unpacked');
    mkdirSync(work);
    execFileSync('tar', ['-xzf', join(root, packagePath(HELM_CHARTS.otelCollector)), '-C', work]);
    execFileSync(helmBinary().path, ['package', join(work, HELM_CHARTS.otelCollector.chart), '--version', OLD, '--destination', join(tmp, VENDOR_DIR)]);
    rmSync(work, { recursive: true });
    await synth(parseSynthArgs(['--sites', join(tmp, 'sites'), '--out', join(tmp, 'dist'), '--quiet']));
    const gitops = join(tmp, 'dist', 'office', 'gitops.k8s.yaml');
    const text = readFileSync(gitops, 'utf8');
    expect(text).toContain(`chart: opentelemetry-collector\n    helm:`);
    writeFileSync(gitops, text.replace(`targetRevision: ${NEW}`, `targetRevision: ${OLD}`));
    git('init', '-q', '-b', 'main');
    git('add', 'dist', VENDOR_DIR);
    git('commit', '-q', '-m', 'office at opentelemetry-collector 0.158.1');
    // The bump: the old package leaves the working tree; the inventory renders the pinned 0.158.2.
    rmSync(join(tmp, VENDOR_DIR, `opentelemetry-collector-${OLD}.tgz`));
    result = await runDiff({ ...parseDiffArgs(['--sites', join(tmp, 'sites')]), repoDir: tmp });
  }, 120000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('finds the bumped release at the one site that changed', () => {
    expect(result.helm?.errors).toEqual([]);
    expect(result.helm?.releases.map((r) => [r.group, r.layer, r.change.what])).toEqual([['office', 'helm/otel-collector', `opentelemetry-collector ${OLD} → ${NEW}`]]);
  });

  it('summarises the rendered objects and shows their line diff', () => {
    const r = result.helm?.releases[0];
    // The site collector is a StatefulSet (persistent sending queue, ADR 0023).
    expect(r?.objects?.changed.map((o) => o.kind)).toEqual(expect.arrayContaining(['ConfigMap', 'StatefulSet', 'Service']));
    expect(r?.objects?.added).toEqual([]);
    expect(r?.diff).toContain(`-    helm.sh/chart: opentelemetry-collector-${OLD}\n+    helm.sh/chart: opentelemetry-collector-${NEW}`);
    expect(result.report).toContain(`== Helm-rendered manifests (helm template of the vendored charts): 1 release changed at 1 site`);
    expect(result.report).toMatch(new RegExp(`\\n  office/otel-collector  opentelemetry-collector ${OLD.replace(/\./g, '\\.')} → .*; modified: \\+0 ~\\d+ -0 objects \\(~ `));
    expect(result.report).toContain('--- a/office/helm/otel-collector\n+++ b/office/helm/otel-collector\n');
  });

  it('puts it in the pull-request comment, collapsed when long', () => {
    const md = renderMarkdown(result.diff, { base: 'main', head: 'this pull request', helm: result.helm });
    expect(md).toMatch(/\n<details( open)?><summary><b>Helm-rendered manifests<\/b> \(helm template of the vendored charts\): 1 release changed at 1 site/);
    expect(md).toContain(`- \`office/otel-collector\` opentelemetry-collector ${OLD} → ${NEW}; modified:`);
    expect(md).toContain('```diff\n--- a/office/helm/otel-collector');
    const helm = result.helm as HelmDiff;
    const withDiff = (diff: string): HelmDiff => ({ releases: helm.releases.map((r) => ({ ...r, diff })), errors: [] });
    const short = renderHelmMarkdown(withDiff('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n'), 50000);
    expect(short.startsWith('\n<details open><summary>')).toBe(true);
    const longDiff = `--- a/x\n+++ b/x\n@@ -1,300 +1,300 @@\n${Array.from({ length: 300 }, (_, i) => `-old ${i}\n+new ${i}`).join('\n')}\n`;
    const long = renderHelmMarkdown(withDiff(longDiff), 50000);
    expect(long.length).toBeGreaterThan(HELM_OPEN_MAX_CHARS);
    expect(long.startsWith('\n<details><summary>')).toBe(true);
    const tight = renderHelmMarkdown(withDiff(longDiff), 800);
    expect(tight.length).toBeLessThan(1200);
    expect(tight).toContain('omitted for length');
  });

  it('leaves the Helm section out with --no-helm, and when no release changed', async () => {
    expect(parseDiffArgs(['--no-helm']).helm).toBe(false);
    const gitops = readFileSync(join(tmp, 'dist', 'office', 'gitops.k8s.yaml'), 'utf8');
    const tree = new Map([['office/gitops.k8s.yaml', gitops]]);
    expect(changedReleases(tree, tree)).toEqual([]);
  });
});

describe('changed releases', () => {
  const app = (version: string, values: Record<string, unknown>) =>
    [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata: {name: s-demo, namespace: argocd}',
      'spec:',
      '  destination: {name: s, namespace: demo}',
      `  source: {repoURL: 'https://example.invalid/charts', chart: demo, targetRevision: '${version}', helm: {releaseName: demo, valuesObject: ${JSON.stringify(values)}}}`,
      '',
    ].join('\n');

  it('names what changed: version, values, or the release added or removed', () => {
    const base = new Map([['s/gitops.k8s.yaml', app('1.0.0', { a: 1 })]]);
    expect(changedReleases(base, new Map([['s/gitops.k8s.yaml', app('1.1.0', { a: 2 })]])).map((c) => c.what)).toEqual(['demo 1.0.0 → 1.1.0, values']);
    expect(changedReleases(base, new Map([['s/gitops.k8s.yaml', app('1.0.0', { a: 2 })]])).map((c) => c.what)).toEqual(['values']);
    expect(changedReleases(base, new Map()).map((c) => [c.site, c.what])).toEqual([['s', 'removed: demo 1.0.0']]);
    expect(changedReleases(new Map(), base).map((c) => [c.site, c.what])).toEqual([['s', 'added: demo 1.0.0']]);
  });
});
