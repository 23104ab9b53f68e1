/**
 * promtool unit tests of the alerts: every alert has a case where it fires and one where it stays silent, and
 * the committed test files are what the rule modules generate. promtool itself runs once, in .ci/run
 * (scripts/ci/promtool.sh): the tests against the rules extracted from dist/, and against a rule with a changed
 * threshold, which must fail (so the tests can fail).
 */
import { readFileSync } from 'node:fs';
import { promtoolTestFiles, ruleFlavours } from '../../tools/monitoring/artifacts';
import { renderAnnotation } from '../../tools/monitoring/promtool';
import { alertsOf } from '../../lib/constructs/rules';
import { repoCatalog } from '../helpers';
import { sampleFleet } from './support';

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

  // promtool itself runs in .ci/run (scripts/ci/promtool.sh): every flavour's rules against its committed test
  // file, and a mutated NodeNotReady rule that must fail its test. Engine checks run once, there.
});
