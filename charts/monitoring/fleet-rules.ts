/**
 * Fleet rules for the hub Prometheus (docs/monitoring.md "Fleet alerts"), over the series every site
 * remote-writes with its external labels `site` and `ring`:
 * - `fleet-sites`: one recording rule per site of the inventory (`fleet:site:info{site, ring, canary}`, and its
 *   availability budget): the hub knows which sites must report, even one that never did;
 * - `SiteNotReporting`: ONE alert for all sites (a site of the inventory without any `up` series);
 * - `FleetRingErrorBudgetBurn`: the sites of a ring burn their inference availability budget, on average,
 *   at the multi-window rates of the site alerts (14.4× over 1h and 5m, 6× over 6h and 30m);
 * - `CanarySiteUnhealthy`: a site of the canary ring (the lowest ring: it syncs first) has a critical alert.
 * The hub Alertmanager inhibits every other alert of a site that stopped reporting (hub-stack.ts).
 */
import { AlertSpec, RecordingSpec } from '../../lib/constructs/telemetry';
import { AlertTests, num, RuleModule, SeriesInput } from '../../lib/constructs/rules';

/** What the hub rules need to know of a site: its name, ring and (where inference runs) availability budget. */
export interface FleetSite {
  readonly name: string;
  readonly ring: number;
  /** 1 − availability target of the site's inference SLO; `undefined` where no inference runs. */
  readonly availabilityBudget?: number;
}

export const FLEET_INHIBIT_SOURCE = 'SiteNotReporting';
const FLEET_ALERTS = [FLEET_INHIBIT_SOURCE, 'FleetRingErrorBudgetBurn', 'CanarySiteUnhealthy'];
const SITE_INFO = 'fleet:site:info';
const SITE_BUDGET = 'fleet:site:availability_budget';
const siteBurn = (w: string): string => `site:inference_availability_burn:ratio_rate${w}`;
/** Recorded at each site by the inference layer (charts/inference/rules.ts), remote-written with site and ring. */
const siteErrorRatio = (w: string): string => `model:inference_errors:ratio_rate${w}`;
const NOT_REPORTING_FOR = '15m';
const BURN_WINDOWS = [
  { severity: 'critical' as const, long: '1h', short: '5m', factor: 14.4, for: '2m' },
  { severity: 'warning' as const, long: '6h', short: '30m', factor: 6, for: '15m' },
];

function recordings(sites: readonly FleetSite[]): RecordingSpec[] {
  const canaryRing = Math.min(...sites.map((s) => s.ring));
  const info: RecordingSpec[] = sites.map((s) => ({ record: SITE_INFO, expr: 'vector(1)', labels: { site: s.name, ring: String(s.ring), canary: String(s.ring === canaryRing) } }));
  const budgets: RecordingSpec[] = sites
    .filter((s) => s.availabilityBudget !== undefined)
    .map((s) => ({ record: SITE_BUDGET, expr: `vector(${num(s.availabilityBudget as number)})`, labels: { site: s.name, ring: String(s.ring) } }));
  return [...info, ...budgets];
}

function burnRecordings(): RecordingSpec[] {
  const windows = [...new Set(BURN_WINDOWS.flatMap((w) => [w.long, w.short]))];
  return windows.map((w) => ({ record: siteBurn(w), expr: `max by (site, ring) (${siteErrorRatio(w)})\n/ on (site, ring)\n${SITE_BUDGET}` }));
}

function alerts(): AlertSpec[] {
  const excluded = FLEET_ALERTS.join('|');
  return [
    {
      alert: FLEET_INHIBIT_SOURCE,
      expr: `${SITE_INFO} unless on (site) group by (site) (up{site!=""})`,
      for: NOT_REPORTING_FOR,
      severity: 'critical',
      labels: { layer: 'fleet' },
      summary: 'Site {{ $labels.site }} stopped reporting to the hub',
      description: `No series of site {{ $labels.site }} (ring {{ $labels.ring }}) has reached the hub for ${NOT_REPORTING_FOR}: its uplink, its Prometheus or the remote-write path is down. The site buffers logs and traces meanwhile; its other fleet alerts are inhibited.`,
      runbook: 'site-not-reporting',
    },
    ...BURN_WINDOWS.map(
      (w): AlertSpec => ({
        alert: 'FleetRingErrorBudgetBurn',
        expr: `avg by (ring) (${siteBurn(w.long)}) > ${w.factor}\nand\navg by (ring) (${siteBurn(w.short)}) > ${w.factor}`,
        for: w.for,
        severity: w.severity,
        labels: { layer: 'fleet', long: w.long, short: w.short },
        summary: 'Ring {{ $labels.ring }} burns its inference error budget',
        description: `The sites of ring {{ $labels.ring }} burn their availability error budget at more than ${w.factor}× on average over ${w.long} and ${w.short}: a release or a shared dependency fails the ring; hold the rollout of later rings.`,
        runbook: 'fleet-ring-error-budget-burn',
      }),
    ),
    {
      alert: 'CanarySiteUnhealthy',
      expr: `max by (site, ring) (ALERTS{alertstate="firing", severity="critical", alertname!~"${excluded}"})\n* on (site, ring) group_left ()\n${SITE_INFO}{canary="true"}`,
      for: '10m',
      severity: 'critical',
      labels: { layer: 'fleet' },
      summary: 'Canary site {{ $labels.site }} is unhealthy',
      description: 'Canary site {{ $labels.site }} (ring {{ $labels.ring }}, which syncs first) has had a critical alert firing for 10m: stop the ring rollout before later rings receive the same change.',
      runbook: 'canary-site-unhealthy',
    },
  ];
}

function tests(sites: readonly FleetSite[]): AlertTests[] {
  const canaryRing = Math.min(...sites.map((s) => s.ring));
  const [target, ...others] = [...sites].sort((a, b) => a.name.localeCompare(b.name));
  const up = (s: FleetSite, values: string): SeriesInput => ({ series: `up{job="inference-server", site="${s.name}", ring="${s.ring}"}`, values });
  const allUp = sites.map((s) => up(s, '1x60'));
  const infoLabels = (s: FleetSite) => ({ site: s.name, ring: String(s.ring), canary: String(s.ring === canaryRing) });
  const budgeted = sites.filter((s) => s.availabilityBudget !== undefined);
  const burnSite = budgeted[0];
  const errors = (s: FleetSite, ratio: number): SeriesInput[] =>
    ['5m', '30m', '1h', '6h'].map((w) => ({ series: `${siteErrorRatio(w)}{model="m", site="${s.name}", ring="${s.ring}"}`, values: `${num(ratio)}x60` }));
  const canary = sites.find((s) => s.ring === canaryRing) as FleetSite;
  const nonCanary = sites.find((s) => s.ring !== canaryRing);
  const critical = (s: FleetSite): SeriesInput => ({ series: `ALERTS{alertname="InferenceServerDown", alertstate="firing", severity="critical", site="${s.name}", ring="${s.ring}"}`, values: '1x60' });
  const out: AlertTests[] = [
    {
      alert: FLEET_INHIBIT_SOURCE,
      cases: [
        { name: `${target.name} silent since minute 10, the others report`, input: [up(target, '1x10'), ...others.map((s) => up(s, '1x60'))], evalTime: '45m', expect: [{ severity: 'critical', labels: infoLabels(target) }] },
        { name: 'every site reports (a target that is down still reports)', input: [up(target, '0x60'), ...others.map((s) => up(s, '1x60'))], evalTime: '45m', expect: [] },
      ],
    },
    {
      alert: 'CanarySiteUnhealthy',
      cases: [
        { name: `critical alert at canary site ${canary.name}`, input: [...allUp, critical(canary)], evalTime: '30m', expect: [{ severity: 'critical', labels: { site: canary.name, ring: String(canary.ring) } }] },
        ...(nonCanary ? [{ name: `critical alert at ${nonCanary.name}, not a canary`, input: [...allUp, critical(nonCanary)], evalTime: '30m', expect: [] }] : []),
      ],
    },
  ];
  if (burnSite) {
    const budget = burnSite.availabilityBudget as number;
    const ringSites = budgeted.filter((s) => s.ring === burnSite.ring);
    out.push({
      alert: 'FleetRingErrorBudgetBurn',
      cases: [
        {
          name: `every site of ring ${burnSite.ring} fails 20× its budget`,
          input: [...allUp, ...ringSites.flatMap((s) => errors(s, 20 * budget))],
          evalTime: '30m',
          expect: BURN_WINDOWS.map((w) => ({ severity: w.severity, ruleLabels: { long: w.long, short: w.short }, labels: { ring: String(burnSite.ring) } })),
        },
        { name: `ring ${burnSite.ring} within its budget`, input: [...allUp, ...ringSites.flatMap((s) => errors(s, budget / 2))], evalTime: '30m', expect: [] },
      ],
    });
  }
  return out;
}

/** The hub's fleet rules for the sites that report to it (those with a monitoring layer). */
export function fleetRules(sites: readonly FleetSite[]): RuleModule | undefined {
  if (sites.length === 0) return undefined;
  return {
    name: 'edge-ai-fleet',
    groups: [
      { name: 'fleet-sites', rules: recordings(sites) },
      { name: 'fleet-slo', rules: burnRecordings() },
      { name: 'fleet-alerts', rules: alerts() },
    ],
    tests: tests(sites),
  };
}
