/**
 * Every alert the platform renders carries severity, summary, description and a runbook_url that points at
 * a runbook in docs/runbooks/ which exists and has the sections an on-call engineer needs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { alertsOf } from '../../lib/constructs/rules';
import { siteRuleModules } from '../../tools/monitoring/artifacts';
import { runbookUrl } from '../../lib/constructs/telemetry';
import { K8sObject, repoCatalog, repoPlatform } from '../helpers';
import { distObjects, hubObjects, monitoringObjects, SAMPLE_SITES, sampleFleet, sampleSite } from './support';

const RUNBOOK_PREFIX = runbookUrl(repoPlatform(), 'X').replace(/X\.md$/, '');
const SECTIONS = ['## Meaning', '## Impact', '## Diagnosis', '## Fix'];

interface RenderedAlert {
  readonly where: string;
  readonly rule: { alert: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

function alertsIn(objects: readonly K8sObject[]): RenderedAlert[] {
  return objects
    .filter((o) => o.kind === 'PrometheusRule')
    .flatMap((o) =>
      (o.spec.groups as { name: string; rules: RenderedAlert['rule'][] }[]).flatMap((g) =>
        g.rules.filter((r) => r.alert).map((rule) => ({ where: `${o.metadata.name}/${g.name}/${rule.alert}`, rule })),
      ),
    );
}

function problems(a: RenderedAlert): string[] {
  const out: string[] = [];
  const sev = a.rule.labels?.severity;
  if (!['critical', 'warning', 'info'].includes(sev ?? '')) out.push(`${a.where}: severity "${sev}"`);
  for (const key of ['summary', 'description', 'runbook_url']) if (!a.rule.annotations?.[key]) out.push(`${a.where}: no ${key}`);
  const url = a.rule.annotations?.runbook_url ?? '';
  if (!url.startsWith(RUNBOOK_PREFIX)) out.push(`${a.where}: runbook_url ${url} is not under ${RUNBOOK_PREFIX}`);
  else if (!existsSync(`docs/runbooks/${url.slice(RUNBOOK_PREFIX.length)}`)) out.push(`${a.where}: runbook docs/runbooks/${url.slice(RUNBOOK_PREFIX.length)} does not exist`);
  return out;
}

describe('alert annotations and runbooks', () => {
  it.each(SAMPLE_SITES)('%s: every alert is complete and its runbook exists', (name) => {
    const alerts = alertsIn(monitoringObjects(sampleSite(name)));
    expect(alerts.length).toBeGreaterThan(5);
    expect(alerts.flatMap(problems)).toEqual([]);
  });

  it('hub: every alert is complete and its runbook exists', () => {
    const alerts = alertsIn(hubObjects());
    expect(alerts.map((a) => a.rule.alert).sort()).toEqual(['ArgoCDAppDegraded', 'ArgoCDAppOutOfSync', 'CanarySiteUnhealthy', 'FleetRingErrorBudgetBurn', 'FleetRingErrorBudgetBurn', 'SiteNotReporting']);
    expect(alerts.flatMap(problems)).toEqual([]);
  });

  it('dist/: every alert of every site is complete and its runbook exists', () => {
    const all = [...distObjects().values()].flat();
    // dist/ is committed (ADR 0001), so it is always there to check.
    expect(all.length).toBeGreaterThan(0);
    expect(alertsIn(all).flatMap(problems)).toEqual([]);
  });

  it('the check is not vacuous: a missing runbook and a missing severity are reported', () => {
    const bad: RenderedAlert = { where: 'x', rule: { alert: 'X', labels: {}, annotations: { summary: 's', description: 'd', runbook_url: `${RUNBOOK_PREFIX}no-such-runbook.md` } } };
    expect(problems(bad)).toEqual(['x: severity "undefined"', 'x: runbook docs/runbooks/no-such-runbook.md does not exist']);
  });

  it('every runbook has the sections Meaning, Impact, Diagnosis and Fix, and names its alert', () => {
    const alertsByRunbook = new Map<string, Set<string>>();
    for (const s of sampleFleet()) {
      for (const a of siteRuleModules(s, repoCatalog()).flatMap(alertsOf)) {
        alertsByRunbook.set(a.runbook, new Set([...(alertsByRunbook.get(a.runbook) ?? []), a.alert]));
      }
    }
    for (const a of alertsIn(hubObjects())) {
      const slug = (a.rule.annotations?.runbook_url ?? '').slice(RUNBOOK_PREFIX.length).replace(/\.md$/, '');
      alertsByRunbook.set(slug, new Set([...(alertsByRunbook.get(slug) ?? []), a.rule.alert]));
    }
    const files = readdirSync('docs/runbooks').filter((f) => f.endsWith('.md') && f !== 'README.md');
    // No orphans: every runbook belongs to an alert.
    expect(files.map((f) => f.replace(/\.md$/, '')).sort()).toEqual([...alertsByRunbook.keys()].sort());
    for (const [slug, alerts] of alertsByRunbook) {
      const text = readFileSync(`docs/runbooks/${slug}.md`, 'utf8');
      for (const section of SECTIONS) expect({ slug, section, present: text.includes(section) }).toEqual({ slug, section, present: true });
      for (const alert of alerts) expect({ slug, names: text.includes(alert) }).toEqual({ slug, names: true });
      // Diagnosis gives commands to run.
      expect({ slug, commands: /```(sh|bash|promql)/.test(text) }).toEqual({ slug, commands: true });
    }
  });
});
