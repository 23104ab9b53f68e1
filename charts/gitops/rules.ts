/**
 * Argo CD application health from the application controller's `argocd_app_info`. Argo CD runs at the site
 * only in pull mode (the gitops layer contributes these rules there); for hub-mode sites the hub's Argo CD
 * reports every application, so the same rules go to the hub (lib/synth/hub.ts).
 */
import { Site } from '../../lib/model/schema';
import { AlertSpec } from '../../lib/constructs/telemetry';
import { THRESHOLDS } from '../../lib/constructs/thresholds';
import { AlertTests, RuleModule, SeriesInput } from '../../lib/constructs/rules';

const GITOPS_LAYER = { layer: 'gitops' } as const;

/** Argo CD application alerts; `outOfSyncFor` depends on the sync windows of the sites concerned. */
function argoCdRules(outOfSyncFor: string): { alerts: AlertSpec[]; tests: AlertTests[] } {
  const app = (sync: string, health: string, values: string): SeriesInput => ({
    series: `argocd_app_info{dest_server="https://kubernetes.default.svc", health_status="${health}", name="site-a-inference", namespace="argocd", project="site-a", sync_status="${sync}"}`,
    values,
  });
  const hours = Number(outOfSyncFor.replace(/h$/, '')) || 1;
  // One sample a minute (Prometheus treats a series as gone 5 minutes after its last sample), for an hour
  // longer than the pending duration.
  const samples = (hours + 1) * 60;
  const appLabels = { dest_server: 'https://kubernetes.default.svc', name: 'site-a-inference', project: 'site-a' };
  return {
    alerts: [
      {
        alert: 'ArgoCDAppOutOfSync',
        expr: `max by (name, project, dest_server) (argocd_app_info{sync_status="OutOfSync"}) == 1`,
        for: outOfSyncFor,
        severity: 'warning',
        labels: { ...GITOPS_LAYER },
        summary: 'Argo CD application {{ $labels.name }} is out of sync',
        description: `Application {{ $labels.name }} (project {{ $labels.project }}) has differed from Git for ${outOfSyncFor}, longer than its sync windows explain: the site is not running what dist/ says.`,
        runbook: 'argocd-app-out-of-sync',
      },
      {
        alert: 'ArgoCDAppDegraded',
        expr: `max by (name, project, dest_server, health_status) (argocd_app_info{health_status=~"Degraded|Missing"}) == 1`,
        for: THRESHOLDS.argoDegradedFor,
        severity: 'warning',
        labels: { ...GITOPS_LAYER },
        summary: 'Argo CD application {{ $labels.name }} is {{ $labels.health_status }}',
        description: `Application {{ $labels.name }} (project {{ $labels.project }}) has been {{ $labels.health_status }} for ${THRESHOLDS.argoDegradedFor}: some of its resources failed or do not exist.`,
        runbook: 'argocd-app-degraded',
      },
    ],
    tests: [
      {
        alert: 'ArgoCDAppOutOfSync',
        cases: [
          { name: `out of sync for ${hours + 1}h`, input: [app('OutOfSync', 'Healthy', `1x${samples}`)], evalTime: `${hours + 1}h`, expect: [{ severity: 'warning', labels: appLabels }] },
          { name: 'synced', input: [app('Synced', 'Healthy', `1x${samples}`)], evalTime: `${hours + 1}h`, expect: [] },
        ],
      },
      {
        alert: 'ArgoCDAppDegraded',
        cases: [
          { name: 'degraded for 30 minutes', input: [app('Synced', 'Degraded', '1x40')], evalTime: '30m', expect: [{ severity: 'warning', labels: { ...appLabels, health_status: 'Degraded' } }] },
          { name: 'progressing is not degraded', input: [app('Synced', 'Progressing', '1x40')], evalTime: '30m', expect: [] },
        ],
      },
    ],
  };
}

/** How long an application may stay OutOfSync before the alert fires, given the sites' sync windows. */
export function outOfSyncFor(sites: readonly Site[]): string {
  return sites.some((s) => s.gitops.syncWindows.length > 0) ? THRESHOLDS.argoOutOfSyncForWithSyncWindows : THRESHOLDS.argoOutOfSyncFor;
}

/** Rules of a pull-mode site's own Argo CD. */
export function siteArgoCdRules(site: Site): RuleModule {
  const argo = argoCdRules(outOfSyncFor([site]));
  return { name: 'edge-ai-gitops', groups: [{ name: 'argocd', rules: argo.alerts }], tests: argo.tests };
}

/** Rules of the hub Prometheus: Argo CD applications of every hub-mode site. */
export function hubArgoCdRules(hubSites: readonly Site[]): RuleModule {
  const argo = argoCdRules(outOfSyncFor(hubSites));
  return { name: 'edge-ai-hub-argocd', groups: [{ name: 'argocd', rules: argo.alerts }], tests: argo.tests };
}
