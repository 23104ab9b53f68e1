/**
 * Alertmanager configuration as code, rendered into kube-prometheus-stack's `alertmanager.config` value.
 *
 * Why the Helm value and not an AlertmanagerConfig CR: an AlertmanagerConfig is namespace-scoped, and the
 * operator forces a `namespace="<its namespace>"` matcher onto its routes and inhibit rules, while our
 * alerts come from every layer namespace; the top-level config is the only place for site-wide grouping and
 * inhibition (docs/decisions/0011-monitoring-stack.md).
 *
 * Noise reduction:
 * - one notification per site and alert name (`group_by: [site, alertname]`; `site` is Prometheus'
 *   external label);
 * - repeat intervals by severity: critical every hour until resolved, warnings twice a day, info never;
 * - inhibition: a NotReady node silences the workload alerts of pods on that node, and a firing critical
 *   alert silences the warning of the same name (the slow burn-rate ticket under a fast-burn page);
 * - Watchdog/InfoInhibitor (kube-prometheus-stack's heartbeat and helper) go nowhere.
 *
 * Secrets: the receiver's URL or key is read from a file of a Secret mounted through
 * `alertmanagerSpec.secrets` (`*_file` fields); the inventory only names the Secret, never its content.
 */
import { InputError } from '../../lib/model/errors';
import { Receiver } from '../../lib/model/fleet';
import { MonitoringSpec } from '../../lib/model/schema';

/** Alertmanager mounts `alertmanagerSpec.secrets` here (prometheus-operator: /etc/alertmanager/secrets/<name>/). */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';
export const NULL_RECEIVER = 'null';
export const SITE_RECEIVER = 'site';

/** Repeat intervals by severity (critical pages are repeated while they last; warnings are tickets). */
export const REPEAT_INTERVALS = { critical: '1h', warning: '12h' } as const;

export interface AlertmanagerConfig {
  readonly global: { readonly resolve_timeout: string };
  readonly route: Record<string, unknown>;
  readonly inhibit_rules: readonly Record<string, unknown>[];
  readonly receivers: readonly Record<string, unknown>[];
  readonly templates: readonly string[];
}

/** The file a receiver reads its secret from. */
function secretFile(secretName: string, key: string): string {
  return `${ALERTMANAGER_SECRETS_DIR}/${secretName}/${key}`;
}


/** Checks the receiver settings that the schema cannot relate to each other; throws an InputError. */
export function assertReceiver(r: Receiver, file: string): void {
  if (r.type !== 'none' && !r.secretName) {
    throw new InputError(
      file,
      'layers.monitoring.receiver.secretName',
      undefined,
      `is required for receiver type "${r.type}"`,
      `create a Secret in namespace monitoring holding the ${r.type === 'pagerduty' ? 'PagerDuty routing key' : `${r.type} URL`} under key "${r.secretKey}" and name it here`,
    );
  }
  if (r.type === 'none' && r.secretName) {
    throw new InputError(file, 'layers.monitoring.receiver.secretName', r.secretName, 'is set but receiver type is "none", so nothing would read it', 'set receiver.type (webhook, slack or pagerduty) or remove secretName');
  }
}

/** Secrets an Alertmanager with this receiver must mount (`alertmanagerSpec.secrets`). */
export function receiverSecrets(r: Receiver): string[] {
  return r.type !== 'none' && r.secretName ? [r.secretName] : [];
}

/** The Alertmanager receiver named `name` for these settings (its secret read from the mounted file). */
function receiverConfig(r: Receiver, name: string): Record<string, unknown> {
  const file = secretFile(r.secretName ?? '', r.secretKey);
  switch (r.type) {
    case 'webhook':
      return { name, webhook_configs: [{ url_file: file, send_resolved: true }] };
    case 'slack':
      return {
        name,
        slack_configs: [
          {
            api_url_file: file,
            send_resolved: true,
            title: '[{{ .Status | toUpper }}] {{ .CommonLabels.site }}: {{ .CommonLabels.alertname }}',
            text: '{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}',
          },
        ],
      };
    case 'pagerduty':
      return { name, pagerduty_configs: [{ routing_key_file: file, send_resolved: true }] };
    case 'none':
      return { name };
  }
}

/** Heartbeats nowhere, pages repeated hourly, warnings twice a day, info (and severity "none") to nobody. */
export function severityRoutes(target: string): Record<string, unknown>[] {
  return [
    { receiver: NULL_RECEIVER, matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] },
    { receiver: target, matchers: ['severity = "critical"'], repeat_interval: REPEAT_INTERVALS.critical },
    { receiver: target, matchers: ['severity = "warning"'], repeat_interval: REPEAT_INTERVALS.warning },
    // info (and kube-prometheus-stack's severity "none") is for dashboards, not for people.
    { receiver: NULL_RECEIVER, matchers: ['severity =~ "info|none"'] },
  ];
}

/** Where the routes of an Alertmanager with this receiver end: `null`, or `name` when someone is notified. */
export function routeTarget(r: Receiver, name: string): string {
  return r.type === 'none' ? NULL_RECEIVER : name;
}

/** The receivers of an Alertmanager: always `null`, plus `name` when the settings notify someone. */
export function receivers(r: Receiver, name: string): Record<string, unknown>[] {
  return r.type === 'none' ? [{ name: NULL_RECEIVER }] : [{ name: NULL_RECEIVER }, receiverConfig(r, name)];
}

/**
 * `workloadLayers`: the active layers whose alerts carry `layer: <name>` and concern pods on a node
 * (`TelemetryContribution.workloadAlerts`); a NotReady node inhibits them.
 */
export function alertmanagerConfig(monitoring: MonitoringSpec, file: string, workloadLayers: readonly string[]): AlertmanagerConfig {
  assertReceiver(monitoring.receiver, file);
  // With no receiver the site still evaluates and groups alerts (visible in the Alertmanager UI and, with
  // remote_write, centrally as ALERTS series); it just notifies nobody.
  const target = routeTarget(monitoring.receiver, SITE_RECEIVER);
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: target,
      group_by: ['site', 'alertname'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: REPEAT_INTERVALS.warning,
      routes: severityRoutes(target),
    },
    inhibit_rules: [
      ...(workloadLayers.length
        ? [{ source_matchers: ['alertname = "NodeNotReady"'], target_matchers: [`layer =~ "${workloadLayers.join('|')}"`], equal: ['site', 'node'] }]
        : []),
      {
        source_matchers: ['severity = "critical"'],
        target_matchers: ['severity = "warning"'],
        equal: ['site', 'alertname', 'model', 'namespace', 'pod'],
      },
    ],
    receivers: receivers(monitoring.receiver, SITE_RECEIVER),
    templates: [],
  };
}
