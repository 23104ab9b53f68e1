/**
 * promtool unit tests of the alerts: every alert has a case where it fires and one where it stays silent,
 * the committed test files are what the rule modules generate, and — where Debian's promtool is installed —
 * they pass against the rendered rules and fail against a rule with a changed threshold (so they can fail).
 * scripts/ci/promtool.sh runs promtool for real in CI, against the rules extracted from dist/.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promtoolTestFiles, ruleFile, ruleFlavours } from '../../tools/monitoring/artifacts';
import { promtoolTestFile, renderAnnotation } from '../../tools/monitoring/promtool';
import { alertsOf, RuleModule } from '../../lib/constructs/rules';
import { repoCatalog } from '../helpers';
import { sampleFleet } from './support';
import * as yaml from 'js-yaml';

const promtool = spawnSync('promtool', ['--version']).status === 0;

function groupsOf(modules: readonly RuleModule[]): { name: string; rules: Record<string, unknown>[] }[] {
  // Same shape as the PrometheusRule spec (lib/constructs/telemetry.ts prometheusRule), without Kubernetes around it.
  const { runbookUrl } = jest.requireActual<typeof import('../../lib/constructs/telemetry')>('../../lib/constructs/telemetry');
  return modules.flatMap((m) =>
    m.groups.map((g) => ({
      name: g.name,
      rules: g.rules.map((r) =>
        'alert' in r
          ? { alert: r.alert, expr: r.expr, ...(r.for ? { for: r.for } : {}), labels: { severity: r.severity, ...r.labels }, annotations: { summary: r.summary, description: r.description, runbook_url: runbookUrl(r.runbook) } }
          : { record: r.record, expr: r.expr },
      ),
    })),
  );
}

function runPromtool(rules: string, test: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), rules);
    writeFileSync(join(dir, 'test.yaml'), test.replace(/rule_files:\n {2}- .*\n/, 'rule_files:\n  - rules.yaml\n'));
    const r = spawnSync('promtool', ['test', 'rules', join(dir, 'test.yaml')], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('promtool unit tests', () => {
  const flavours = ruleFlavours(sampleFleet(), repoCatalog());

  it('sites with identical rules share one test file; the sample sites are three flavours', () => {
    expect(flavours.map((f) => f.sites)).toEqual([['factory-floor'], ['office'], ['warehouse']]);
  });

  it.each(flavours.map((f) => [f.representative, f] as const))('%s: every alert has a firing and a silent case, and every rule of it fires in one', (_, f) => {
    for (const m of f.modules) {
      const alerts = alertsOf(m);
      for (const name of new Set(alerts.map((a) => a.alert))) {
        const t = m.tests.find((x) => x.alert === name);
        expect({ name, tested: Boolean(t) }).toEqual({ name, tested: true });
        expect({ name, fires: t!.cases.some((c) => c.expect.length > 0), silent: t!.cases.some((c) => c.expect.length === 0) }).toEqual({ name, fires: true, silent: true });
        for (const rule of alerts.filter((a) => a.alert === name)) {
          const covered = t!.cases.some((c) => c.expect.some((e) => e.severity === rule.severity && Object.entries(e.ruleLabels ?? {}).every(([k, v]) => rule.labels?.[k] === v)));
          expect({ name, severity: rule.severity, labels: rule.labels, covered }).toEqual({ name, severity: rule.severity, labels: rule.labels, covered: true });
        }
      }
    }
  });

  it('the committed files in test/monitoring/promtool/ are what the rule modules generate', () => {
    for (const [path, content] of promtoolTestFiles(sampleFleet(), repoCatalog())) {
      expect({ path, current: readFileSync(path, 'utf8') === content }).toEqual({ path, current: true });
    }
  });

  it('render annotations like Prometheus for $labels, and refuse templates they cannot render', () => {
    expect(renderAnnotation('pod {{ $labels.pod }} on {{$labels.node}}', { pod: 'a', node: 'b' }, 'w')).toBe('pod a on b');
    expect(() => renderAnnotation('{{ $labels.missing }}', {}, 'w')).toThrow(/no label "missing"/);
    expect(() => renderAnnotation('{{ $value | humanize }}', {}, 'w')).toThrow(/cannot render/);
  });

  (promtool ? it : it.skip)('pass against the rules of every flavour, and fail when a threshold changes (promtool installed)', () => {
    for (const f of flavours) {
      const rules = ruleFile(groupsOf(f.modules));
      const test = promtoolTestFile(f.representative, f.modules);
      const good = runPromtool(rules, test);
      expect({ site: f.representative, ok: good.ok, output: good.ok ? '' : good.output }).toEqual({ site: f.representative, ok: true, output: '' });
    }
    // Mutation: the node alert waits 50 minutes instead of 5, so its firing case must now fail.
    const f = flavours.find((x) => x.representative === 'office')!;
    const mutated = (yaml.load(ruleFile(groupsOf(f.modules))) as { groups: { rules: { alert?: string; for?: string }[] }[] });
    for (const g of mutated.groups) for (const r of g.rules) if (r.alert === 'NodeNotReady') r.for = '50m';
    const bad = runPromtool(yaml.dump(mutated), promtoolTestFile(f.representative, f.modules));
    expect(bad.ok).toBe(false);
    expect(bad.output).toContain('NodeNotReady');
  });
});
