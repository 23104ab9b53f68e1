/**
 * Generates `promtool test rules` files from the cases each rule module declares next to its alerts.
 *
 * The tests run against the rule files that scripts/ci/promtool.sh extracts from the committed dist/ (not
 * against the TypeScript objects), so what is tested is what Argo CD applies. Expected annotations are
 * rendered here from the same alert specs, so a changed description needs no hand edit of the tests, while
 * a changed expression, threshold, `for` or label set breaks them.
 */
import * as yaml from 'js-yaml';
import { AlertSpec, runbookUrl } from '../../lib/constructs/telemetry';
import type { RunbookLinks } from '../../charts/monitoring/chart';
import { alertsOf, AlertTests, RuleModule } from '../../lib/constructs/rules';

/** Where scripts/ci/promtool.sh writes the rule files extracted from dist/ (relative to the repository). */
export const EXTRACTED_RULES_DIR = '.build/monitoring/rules';
/** Where the generated promtool tests live (committed; test/monitoring/promtool.test.ts keeps them current). */
export const PROMTOOL_TESTS_DIR = 'test/monitoring/promtool';

/** Renders `{{ $labels.x }}` the way Prometheus' template engine does; any other template is refused. */
export function renderAnnotation(template: string, labels: Readonly<Record<string, string>>, where: string): string {
  const out = template.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name: string) => {
    const value = labels[name];
    if (value === undefined) throw new Error(`${where}: annotation uses $labels.${name} but the expected alert has no label "${name}": add it to the case's labels`);
    return value;
  });
  if (/\{\{/.test(out)) throw new Error(`${where}: annotation "${template}" uses a template the test generator cannot render; use only {{ $labels.<name> }}`);
  return out;
}

function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
  return Object.entries(b).every(([k, v]) => a?.[k] === v);
}

/** The rule an expected alert comes from: same name and severity, and the given extra labels. */
function ruleFor(alerts: readonly AlertSpec[], t: AlertTests, severity: string, ruleLabels: Readonly<Record<string, string>>): AlertSpec {
  const found = alerts.filter((a) => a.alert === t.alert && a.severity === severity && sameLabels(a.labels, ruleLabels));
  if (found.length !== 1) {
    throw new Error(`promtool case for ${t.alert} (severity ${severity}, ${JSON.stringify(ruleLabels)}) matches ${found.length} rules: give ruleLabels that pick exactly one`);
  }
  return found[0];
}

interface PromtoolTestGroup {
  name: string;
  interval: string;
  input_series: { series: string; values: string }[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[] }[];
}

/** One promtool test group per case of every alert of the modules. */
function promtoolTestGroups(modules: readonly RuleModule[], platform: RunbookLinks): PromtoolTestGroup[] {
  const groups: PromtoolTestGroup[] = [];
  for (const m of modules) {
    const alerts = alertsOf(m);
    for (const t of m.tests) {
      if (!alerts.some((a) => a.alert === t.alert)) throw new Error(`${m.name}: tests for ${t.alert}, which is not an alert of this module`);
      for (const c of t.cases) {
        const exp = c.expect.map((e) => {
          const rule = ruleFor(alerts, t, e.severity, e.ruleLabels ?? {});
          const labels: Record<string, string> = { ...e.labels, ...rule.labels, severity: rule.severity };
          const where = `${m.name}/${t.alert} case "${c.name}"`;
          return {
            exp_labels: Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))),
            exp_annotations: {
              summary: renderAnnotation(rule.summary, labels, where),
              description: renderAnnotation(rule.description, labels, where),
              runbook_url: runbookUrl(platform, rule.runbook),
            },
          };
        });
        groups.push({
          name: `${t.alert}: ${c.name}`,
          interval: c.interval ?? '1m',
          input_series: c.input.map((s) => ({ series: s.series, values: s.values })),
          alert_rule_test: [{ eval_time: c.evalTime, alertname: t.alert, exp_alerts: exp }],
        });
      }
    }
  }
  return groups;
}

/** The promtool test file of one rule file (`<name>.yaml` in EXTRACTED_RULES_DIR). */
export function promtoolTestFile(ruleFileStem: string, modules: readonly RuleModule[], platform: RunbookLinks): string {
  const doc = {
    rule_files: [`../../../${EXTRACTED_RULES_DIR}/${ruleFileStem}.yaml`],
    evaluation_interval: '1m',
    tests: promtoolTestGroups(modules, platform),
  };
  return (
    `# GENERATED from the layers' rule modules, charts/<layer>/rules.ts (their test cases) — do not edit by hand.\n` +
    `# Regenerate: bash scripts/ci/promtool.sh --update. Run: bash scripts/ci/promtool.sh\n` +
    yaml.dump(doc, { noRefs: true, lineWidth: -1, sortKeys: false })
  );
}
